//! Read bodies rendered once per views position and served as the same bytes to every
//! reader until the position moves.
//!
//! The views change only when events are folded, so a read whose body is a function of the
//! position alone (the route's key names everything else it depends on) is rendered once:
//! the first reader at a position renders and keeps it, every later one is handed the same
//! bytes. Each body is kept with the chain of org units it is about (the unit and its
//! parents at that position), so a scoped token is still checked against the tree the body
//! was rendered from.
//!
//! The cache is bounded in entries and in bytes; when full, the least recently used bodies
//! go first (bodies of a position the views have moved past are never used again, so they
//! are the first to go).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;

/// The most bodies kept.
const MAX_ENTRIES: usize = 512;
/// The most bytes of bodies kept.
const MAX_BYTES: usize = 64 << 20;
/// A body larger than this is served but not kept.
const MAX_BODY: usize = MAX_BYTES / 8;

/// A rendered body and what a read must check before it is handed out.
#[derive(Clone, Debug)]
pub struct Body {
    pub bytes: Bytes,
    /// The org unit the body is about, then its parents, as the tree stood at the body's
    /// position (a scoped token may read it when its unit is among them).
    pub orgs: Arc<[String]>,
}

struct Entry {
    body: Body,
    /// When it was last handed out (a tick of [`Rendered::clock`]).
    used: AtomicU64,
}

/// Rendered bodies by route key and views position.
#[derive(Default)]
pub struct Rendered {
    entries: RwLock<Kept>,
    clock: AtomicU64,
}

#[derive(Default)]
struct Kept {
    map: HashMap<(String, u64), Entry>,
    bytes: usize,
}

impl Rendered {
    /// The body of `key` rendered from the views at `position`, if it is kept.
    pub fn get(&self, key: &str, position: u64) -> Option<Body> {
        let kept = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let entry = kept.map.get(&(key.to_string(), position))?;
        entry.used.store(self.tick(), Ordering::Relaxed);
        Some(entry.body.clone())
    }

    /// Keeps `body` as `key`'s at `position`, making room by dropping the least recently
    /// used bodies.
    pub fn put(&self, key: String, position: u64, body: Body) {
        let size = body.bytes.len();
        if size > MAX_BODY {
            return;
        }
        let used = AtomicU64::new(self.tick());
        let mut kept = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = kept.map.insert((key, position), Entry { body, used }) {
            kept.bytes -= old.body.bytes.len();
        }
        kept.bytes += size;
        while kept.map.len() > MAX_ENTRIES || kept.bytes > MAX_BYTES {
            let Some(oldest) = kept
                .map
                .iter()
                .min_by_key(|(_, e)| e.used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = kept.map.remove(&oldest) {
                kept.bytes -= gone.body.bytes.len();
            }
        }
    }

    /// How many bodies are kept, and their bytes.
    pub fn len(&self) -> (usize, usize) {
        let kept = self.entries.read().unwrap_or_else(|p| p.into_inner());
        (kept.map.len(), kept.bytes)
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize) -> Body {
        Body {
            bytes: Bytes::from(vec![b' '; n]),
            orgs: Arc::from(vec!["sch".to_string()]),
        }
    }

    #[test]
    fn a_body_is_found_only_at_the_position_it_was_rendered_from() {
        let r = Rendered::default();
        r.put("maturity:a".into(), 7, body(3));
        assert!(r.get("maturity:a", 7).is_some());
        assert!(r.get("maturity:a", 8).is_none());
        assert!(r.get("maturity:b", 7).is_none());
    }

    #[test]
    fn when_full_the_least_recently_used_bodies_go_first() {
        let r = Rendered::default();
        for p in 0..MAX_ENTRIES as u64 {
            r.put("k".into(), p, body(1));
        }
        assert!(r.get("k", 0).is_some());
        r.put("k".into(), MAX_ENTRIES as u64, body(1));
        assert_eq!(r.len().0, MAX_ENTRIES);
        assert!(r.get("k", 0).is_some(), "used last, so kept");
        assert!(r.get("k", 1).is_none(), "used least, so dropped");
    }

    #[test]
    fn the_bytes_kept_stay_bounded() {
        let r = Rendered::default();
        for p in 0..64 {
            r.put("k".into(), p, body(MAX_BODY));
        }
        assert!(r.len().1 <= MAX_BYTES);
        r.put("big".into(), 0, body(MAX_BODY + 1));
        assert!(r.get("big", 0).is_none());
    }
}
