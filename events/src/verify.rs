//! Walking the hash chain: proof that nothing was altered, removed or reordered.

use serde::Serialize;

use crate::envelope::{decode_stored, split_stored, Hash};
use crate::log::Head;

/// What is wrong at the first position where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// A position is absent: the log jumps from `position - 1` to `found`.
    Missing { found: u64 },
    /// The stored hash is not SHA-256(previous hash ‖ stored bytes): the bytes were altered.
    Altered,
    /// The event names a different previous hash than the one before it: reordered or
    /// spliced.
    BrokenLink,
    /// The event's own position field differs from where it is stored.
    Misplaced { says: u64 },
    /// The bytes hash correctly but are not a readable event.
    Undecodable { reason: String },
    /// Fewer events than were acknowledged as durable (see `DIR/head`).
    Truncated { acknowledged: u64 },
    /// The event at the acknowledged head has a different hash than was acknowledged.
    HeadMismatch,
    /// The store could not be read at all.
    Unreadable { reason: String },
}

/// The outcome of a walk over the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Events whose hash link was checked and held.
    pub checked: u64,
    /// The last event that checked out.
    pub head: Head,
    /// The first break, with the position where it was found.
    pub problem: Option<(u64, Problem)>,
}

impl Report {
    pub fn holds(&self) -> bool {
        self.problem.is_none()
    }
}

/// Checks every stored event in order against the chain and the acknowledged head.
pub fn walk<I>(events: I, acknowledged: Option<Head>) -> Report
where
    I: IntoIterator<Item = Result<(u64, crate::log::Record), sled::Error>>,
{
    let mut head = Head {
        position: 0,
        hash: Hash::ZERO,
    };
    let mut checked = 0;
    let fail = |checked, head, at, p| Report {
        checked,
        head,
        problem: Some((at, p)),
    };
    for item in events {
        let expected = head.position + 1;
        let (position, stored) = match item {
            Ok(x) => x,
            Err(e) => {
                let reason = e.to_string();
                return fail(checked, head, expected, Problem::Unreadable { reason });
            }
        };
        if position != expected {
            return fail(
                checked,
                head,
                expected,
                Problem::Missing { found: position },
            );
        }
        let Ok((hash, body)) = split_stored(&stored) else {
            return fail(checked, head, position, Problem::Altered);
        };
        if Hash::link(&head.hash, body) != hash {
            // Either these bytes changed or the previous event did; the link says which
            // event first disagrees with the chain.
            let relinks = decode_stored(&stored).is_ok_and(|e| e.prev_hash != head.hash);
            let p = if relinks {
                Problem::BrokenLink
            } else {
                Problem::Altered
            };
            return fail(checked, head, position, p);
        }
        match decode_stored(&stored) {
            Err(e) => {
                let reason = e.to_string();
                return fail(checked, head, position, Problem::Undecodable { reason });
            }
            Ok(env) if env.position != position => {
                let says = env.position;
                return fail(checked, head, position, Problem::Misplaced { says });
            }
            Ok(_) => {}
        }
        head = Head { position, hash };
        checked += 1;
    }
    if let Some(ack) = acknowledged {
        if ack.position > head.position {
            let at = head.position + 1;
            let acknowledged = ack.position;
            return fail(checked, head, at, Problem::Truncated { acknowledged });
        }
        // The head file is written after the event, so an older position is normal; only
        // a hash that disagrees at that position is a problem.
        if ack.position == head.position && ack.position > 0 && ack.hash != head.hash {
            return fail(checked, head, ack.position, Problem::HeadMismatch);
        }
    }
    Report {
        checked,
        head,
        problem: None,
    }
}
