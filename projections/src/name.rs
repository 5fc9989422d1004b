//! Shared identifiers: [`Name`], an immutable string that clones in O(1), and the [`Interner`]
//! that makes every occurrence of one long id share one allocation.
//!
//! Ids (actors, orgs, cycles, goals, milestones, indicators, levels) repeat on nearly every
//! event. Stored as `String`s they would cost an allocation and a heap copy per occurrence,
//! which dominated both the time and the memory of a rebuild. Most ids are short ("g1", "m3",
//! a person's login): a [`Name`] holds those inline, so making, comparing and cloning one
//! touches no other memory, and they are never looked up. Longer ids (cycles, orgs) are
//! interned: a repeat costs a hash lookup and a reference count.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smol_str::SmolStr;
use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;

/// An immutable, cheaply cloned string (inline up to [`Name::INLINE`] bytes, else shared);
/// serialized as a plain string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(SmolStr);

impl Name {
    /// The longest name held inline, with no allocation to share.
    pub const INLINE: usize = SmolStr::INLINE_CAP;

    /// A name of its own (not shared); views that see a name often use an [`Interner`].
    pub fn new(s: &str) -> Name {
        Name(SmolStr::new(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Hash and Ord of `Name` are those of `str`, so maps keyed by `Name` are searched by `&str`.
impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

thread_local! {
    /// Set while [`sharing_names`] runs, so that names read from a checkpoint share
    /// allocations as the names of a fold do.
    static READING: RefCell<Option<Interner>> = const { RefCell::new(None) };
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        d.deserialize_str(NameVisitor)
    }
}

/// Makes a [`Name`] from the reader's own text, with no `String` in between: a checkpoint
/// holds millions of names, and most are inline or a repeat of one already shared.
struct NameVisitor;

impl serde::de::Visitor<'_> for NameVisitor {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Name, E> {
        let shared = READING.with(|r| r.borrow_mut().as_mut().map(|names| names.name(s)));
        Ok(shared.unwrap_or_else(|| Name::new(s)))
    }
}

/// Runs `read` (a deserialization) with names shared across everything it reads. The
/// outermost call also returns the names it read, so that the fold can go on sharing them;
/// a nested call shares the outer call's names and returns `None`.
pub(crate) fn sharing_names<T>(read: impl FnOnce() -> T) -> (T, Option<Interner>) {
    let outermost = READING.with(|r| {
        let mut r = r.borrow_mut();
        let outermost = r.is_none();
        if outermost {
            *r = Some(Interner::default());
        }
        outermost
    });
    let out = read();
    let names = if outermost {
        READING.with(|r| r.replace(None))
    } else {
        None
    };
    (out, names)
}

/// The set of names a view has seen; a cache, not state.
///
/// It is left out of serialization and equality: two views that hold the same names are
/// equal whether or not their names share allocations.
#[derive(Clone, Default)]
pub struct Interner(HashSet<Name, FxBuild>);

impl Interner {
    /// The shared [`Name`] for `s`.
    pub fn name(&mut self, s: &str) -> Name {
        // Held inline: nothing to share, so no lookup either.
        if s.len() <= Name::INLINE {
            return Name::new(s);
        }
        if let Some(name) = self.0.get(s) {
            return name.clone();
        }
        let name = Name::new(s);
        self.0.insert(name.clone());
        name
    }
}

impl Interner {
    /// Adds the names `other` holds that this one does not; a name both hold keeps this
    /// one's allocation (the other's copies stay valid, just not shared).
    pub fn absorb(&mut self, other: Interner) {
        for name in other.0 {
            if !self.0.contains(name.as_str()) {
                self.0.insert(name);
            }
        }
    }
}

impl PartialEq for Interner {
    fn eq(&self, _: &Interner) -> bool {
        true
    }
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Interner({} names)", self.0.len())
    }
}

/// The Fx hash (as in rustc): a multiply and a rotate per word, then one avalanche, several
/// times faster than the default SipHash on the short ids these maps hold.
///
/// It does not resist deliberately colliding keys; the keys here are ids that authenticated
/// users or the server choose, and the worst a collision can do is slow a fold down.
#[derive(Clone, Copy, Default)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The Fx state keeps most of its entropy in the high bits, but hash tables pick buckets
    /// with the low ones; a final avalanche (MurmurHash3's fmix64) spreads it over all bits,
    /// so similar ids ("p1", "p2", …) do not pile up in a few buckets.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// A `HashMap` with the Fx hash.
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

/// A `HashSet` with the Fx hash.
pub type FxHashSet<T> = std::collections::HashSet<T, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "north-ridge-lincoln-2025-fall";

    fn shares(a: &Name, b: &Name) -> bool {
        a.as_str().as_ptr() == b.as_str().as_ptr()
    }

    #[test]
    fn given_one_long_id_interned_twice_both_names_share_one_allocation() {
        let mut names = Interner::default();
        let a = names.name(LONG);
        let b = names.name(LONG);
        assert!(shares(&a, &b));
        assert_eq!(a, LONG);
    }

    #[test]
    fn given_short_ids_they_are_held_inline_and_never_interned() {
        let mut names = Interner::default();
        let short = "x".repeat(Name::INLINE);
        let a = names.name(&short);
        assert!(!a.0.is_heap_allocated());
        assert_eq!(a, short.as_str());
        assert_eq!(format!("{names:?}"), "Interner(0 names)");
        let long = "x".repeat(Name::INLINE + 1);
        assert!(names.name(&long).0.is_heap_allocated());
        assert_eq!(format!("{names:?}"), "Interner(1 names)");
    }

    #[test]
    fn given_short_and_long_names_they_order_and_hash_as_their_strings() {
        use std::hash::BuildHasher;
        let mut names = Interner::default();
        let mut all: Vec<Name> = ["b", LONG, "a", "north"].map(|s| names.name(s)).into();
        all.sort();
        let strs: Vec<&str> = all.iter().map(Name::as_str).collect();
        assert_eq!(strs, ["a", "b", "north", LONG]);
        let build = FxBuild::default();
        for name in &all {
            assert_eq!(build.hash_one(name), build.hash_one(name.as_str()));
        }
    }

    #[test]
    fn given_names_read_from_json_while_sharing_they_share_allocations() {
        let json = format!(r#"["{LONG}","{LONG}","x"]"#);
        let (read, names) = sharing_names(|| serde_json::from_str::<Vec<Name>>(&json));
        let read = read.expect("a list of names");
        let mut names = names.expect("the outermost call returns its names");
        assert!(shares(&names.name(LONG), &read[0]));
        assert!(shares(&read[0], &read[1]));
        assert_eq!(serde_json::to_string(&read).ok(), Some(json));
    }
}
