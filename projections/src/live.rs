//! Bookkeeping the views share: who-and-when stamps, lists of live facts that a retraction
//! can edit, and the index that finds what a retraction names.
//!
//! A retraction names only a position, and views must then behave as if the retracted event
//! had never been folded. Rather than undoing arithmetic, each view keeps, per item, the live
//! facts that shaped it ([`Live`]) and derives the item's current state from them when asked;
//! retracting is removing one fact from one list. A [`PosIndex`] maps a retractable event's
//! position to the item it touched, so a retraction costs a binary search, not a scan.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellis_events::Envelope;

use crate::name::{Interner, Name};

/// Who recorded a fact, where it sits in the log, when it happened and when it was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub position: u64,
    /// When it happened, as the user said.
    #[serde(with = "crate::dates::day")]
    pub occurred_on: NaiveDate,
    /// When the log recorded it.
    #[serde(with = "crate::dates::instant")]
    pub recorded_at: DateTime<Utc>,
    pub actor: Name,
}

impl Stamp {
    /// The stamp of `env`, for views that see few events (the actor gets its own [`Name`]).
    pub fn of(env: &Envelope) -> Stamp {
        Stamp {
            position: env.position,
            occurred_on: env.occurred_on,
            recorded_at: env.recorded_at,
            actor: Name::new(&env.actor),
        }
    }

    /// The stamp of `env` with its actor interned, for views that see many events.
    pub fn interned(env: &Envelope, names: &mut Interner) -> Stamp {
        Stamp {
            position: env.position,
            occurred_on: env.occurred_on,
            recorded_at: env.recorded_at,
            actor: names.name(&env.actor),
        }
    }
}

/// A fact's value with its stamp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamped<T> {
    pub stamp: Stamp,
    pub value: T,
}

/// The live (not retracted) facts about one item, in log order.
///
/// Invariant: sorted by position, so the last element is the most recently recorded live fact
/// and a retraction finds its fact by binary search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Live<T>(Vec<Stamped<T>>);

impl<T> Default for Live<T> {
    fn default() -> Self {
        Live(Vec::new())
    }
}

impl<T> Live<T> {
    /// Adds a fact; facts arrive in log order, so this is almost always a push.
    pub fn push(&mut self, stamp: Stamp, value: T) {
        let at = self
            .0
            .partition_point(|s| s.stamp.position < stamp.position);
        // A second fact at the same position cannot come from one log; keep the first.
        if self
            .0
            .get(at)
            .is_some_and(|s| s.stamp.position == stamp.position)
        {
            return;
        }
        grow_exactly(&mut self.0);
        self.0.insert(at, Stamped { stamp, value });
    }

    /// Removes the fact recorded at `position`, if it is here and live.
    pub fn retract(&mut self, position: u64) -> Option<Stamped<T>> {
        let at = self
            .0
            .binary_search_by_key(&position, |s| s.stamp.position)
            .ok()?;
        Some(self.0.remove(at))
    }

    /// The most recently recorded live fact.
    pub fn last(&self) -> Option<&Stamped<T>> {
        self.0.last()
    }

    /// The last live fact recorded before `position`.
    pub fn before(&self, position: u64) -> Option<&Stamped<T>> {
        let at = self.0.partition_point(|s| s.stamp.position < position);
        at.checked_sub(1).and_then(|i| self.0.get(i))
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Stamped<T>> {
        self.0.iter()
    }

    pub fn as_slice(&self) -> &[Stamped<T>] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, T> IntoIterator for &'a Live<T> {
    type Item = &'a Stamped<T>;
    type IntoIter = std::slice::Iter<'a, Stamped<T>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Where the effect of each retractable event lives, by the event's position.
///
/// Invariant: sorted by position. Positions only grow along the log, so inserting is a push
/// and finding is a binary search; entries are never removed (a retraction of an already
/// retracted fact finds nothing in its [`Live`] list, which makes retraction idempotent without
/// tombstones, and keeps retractions O(log n) instead of O(n)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PosIndex<L>(Vec<(u64, L)>);

impl<L> Default for PosIndex<L> {
    fn default() -> Self {
        PosIndex(Vec::new())
    }
}

impl<L> PosIndex<L> {
    /// Makes room for `more` entries at once, if memory allows (else it grows as it goes).
    pub fn reserve(&mut self, more: usize) {
        let _ = self.0.try_reserve(more);
    }

    pub fn insert(&mut self, position: u64, at: L) {
        match self.0.last() {
            Some((last, _)) if *last >= position => {
                // Only reachable when a view is fed out of order; stay sorted anyway.
                let i = self.0.partition_point(|(p, _)| *p < position);
                if self.0.get(i).is_some_and(|(p, _)| *p == position) {
                    return;
                }
                self.0.insert(i, (position, at));
            }
            _ => self.0.push((position, at)),
        }
    }

    pub fn get(&self, position: u64) -> Option<&L> {
        let i = self.0.binary_search_by_key(&position, |(p, _)| *p).ok()?;
        self.0.get(i).map(|(_, l)| l)
    }
}

/// Makes room for one more element. Most items carry one or two facts, and a `Vec` would
/// jump from none to room for four: across a million-event log that slack was the largest
/// share of the views' memory. Small lists grow one at a time, larger ones double.
pub fn grow_exactly<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact(if v.len() < 4 { 1 } else { v.len() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(position: u64) -> Stamp {
        Stamp {
            position,
            occurred_on: NaiveDate::from_ymd_opt(2024, 9, 1).expect("a valid date"),
            recorded_at: DateTime::<Utc>::default(),
            actor: Name::new("ann"),
        }
    }

    #[test]
    fn given_live_facts_when_one_is_retracted_then_the_last_is_the_latest_remaining() {
        let mut live = Live::default();
        for p in [3, 5, 9] {
            live.push(stamp(p), p * 10);
        }
        assert_eq!(live.retract(9).map(|s| s.value), Some(90));
        assert_eq!(live.last().map(|s| s.value), Some(50));
        assert_eq!(live.retract(9), None, "retracting twice changes nothing");
        assert_eq!(live.before(5).map(|s| s.value), Some(30));
        assert_eq!(live.before(3), None);
    }

    #[test]
    fn given_out_of_order_positions_the_index_stays_sorted_and_finds_each() {
        let mut index = PosIndex::default();
        for p in [2, 8, 5, 8] {
            index.insert(p, p as u32);
        }
        assert_eq!(index.get(5), Some(&5));
        assert_eq!(index.get(8), Some(&8));
        assert_eq!(index.get(4), None);
    }
}
