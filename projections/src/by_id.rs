//! [`ById`]: the few items one parent holds (a cycle's goals, its milestones), found by id.
//!
//! A cycle holds a handful of goals and milestones, and a million-event log holds thousands
//! of cycles. A hash map per cycle rounded each up to a power-of-two table of whole items
//! (a milestone is a few hundred bytes), which made these maps the views' second largest
//! cost in memory. A list in the order items were added, searched by comparing a few short
//! ids, is smaller and no slower at that size; a hash index is built only for a parent that
//! grows past [`INDEXED_FROM`] items, so no input makes a lookup slow. The ids are kept in a
//! list of their own, beside the items: a search reads a line or two of ids instead of one
//! line per item it passes (reading those was a rebuild's most frequent cache miss).

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::live::grow_exactly;
use crate::name::FxHashMap;

/// Past this many items a lookup goes through a hash index instead of the list.
pub const INDEXED_FROM: usize = 24;

/// Items by id, in the order they were first inserted. Serialized as a map in that order.
#[derive(Clone)]
pub struct ById<K, V> {
    /// Invariant: `keys[i]` is the id of `values[i]`.
    keys: Vec<K>,
    values: Vec<V>,
    /// Position in `keys` by id, once there are more than [`INDEXED_FROM`] items.
    index: Option<Box<FxHashMap<K, u32>>>,
}

impl<K, V> Default for ById<K, V> {
    fn default() -> Self {
        ById {
            keys: Vec::new(),
            values: Vec::new(),
            index: None,
        }
    }
}

impl<K: Borrow<str> + Eq + Hash + Clone, V> ById<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn find(&self, id: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(id).map(|&i| i as usize),
            None => self.keys.iter().position(|k| k.borrow() == id),
        }
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.find(id).is_some()
    }

    pub fn get(&self, id: &str) -> Option<&V> {
        self.find(id).and_then(|i| self.values.get(i))
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        self.find(id).and_then(move |i| self.values.get_mut(i))
    }

    /// Sets the item `id`; a new id goes last, a known one keeps its place. Returns the value
    /// it replaced.
    pub fn insert(&mut self, id: K, value: V) -> Option<V> {
        if let Some(old) = self.find(id.borrow()).and_then(|i| self.values.get_mut(i)) {
            return Some(std::mem::replace(old, value));
        }
        let at = self.keys.len();
        if let Some(index) = &mut self.index {
            index.insert(id.clone(), at as u32);
        } else if at == INDEXED_FROM {
            let mut index: FxHashMap<K, u32> = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i as u32))
                .collect();
            index.insert(id.clone(), at as u32);
            self.index = Some(Box::new(index));
        }
        grow_exactly(&mut self.keys);
        grow_exactly(&mut self.values);
        self.keys.push(id);
        self.values.push(value);
        None
    }

    /// The item `id`, inserted from `make` first when there is none.
    pub fn get_or_insert_with(&mut self, id: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(id.borrow()) {
            Some(i) => i,
            None => {
                self.insert(id, make());
                self.keys.len() - 1
            }
        };
        &mut self.values[i]
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.keys.iter().zip(&self.values)
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.keys.iter()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.values.iter()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.values.iter_mut()
    }
}

/// Equal when they hold the same items, whatever their order (as maps compare).
impl<K: Borrow<str> + Eq + Hash + Clone, V: PartialEq> PartialEq for ById<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k.borrow()).is_some_and(|w| w == v))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for ById<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.keys.iter().zip(&self.values))
            .finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for ById<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.keys.iter().zip(&self.values))
    }
}

impl<'de, K, V> Deserialize<'de> for ById<K, V>
where
    K: Deserialize<'de> + Borrow<str> + Eq + Hash + Clone,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<K, V>(PhantomData<(K, V)>);
        impl<'de, K, V> Visitor<'de> for Items<K, V>
        where
            K: Deserialize<'de> + Borrow<str> + Eq + Hash + Clone,
            V: Deserialize<'de>,
        {
            type Value = ById<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of items by id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items = ById::new();
                while let Some((k, v)) = map.next_entry()? {
                    items.insert(k, v);
                }
                Ok(items)
            }
        }
        d.deserialize_map(Items(PhantomData))
    }
}

/// The id found last and where: a fold whose events often name the id the last one named
/// (nearly half of a log's events follow one of their own cycle) checks this before it
/// hashes the id. The id is a copy of its own, so that checking it reads nothing cold.
/// Derived data: never part of equality (and not serialized by its holders).
#[derive(Clone, Debug, Default)]
pub struct LastFound {
    id: String,
    at: Option<u32>,
}

impl LastFound {
    /// Where `id` was found, if it is the id found last.
    #[inline]
    pub fn get(&self, id: &str) -> Option<u32> {
        self.at.filter(|_| self.id == id)
    }

    #[inline]
    pub fn set(&mut self, id: &str, at: u32) {
        id.clone_into(&mut self.id);
        self.at = Some(at);
    }
}

impl PartialEq for LastFound {
    fn eq(&self, _: &LastFound) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;
    use proptest::prelude::*;

    #[test]
    fn given_items_they_are_found_by_id_and_listed_in_insertion_order() {
        let mut items: ById<Name, u32> = ById::new();
        assert_eq!(items.insert("m2".into(), 2), None);
        assert_eq!(items.insert("m1".into(), 1), None);
        assert_eq!(items.insert("m2".into(), 20), Some(2));
        assert_eq!(items.get("m2"), Some(&20));
        assert_eq!(items.get("m3"), None);
        let keys: Vec<&str> = items.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["m2", "m1"]);
        *items.get_or_insert_with("m3".into(), || 3) += 1;
        assert_eq!(items.get("m3"), Some(&4));
    }

    #[test]
    fn the_last_found_answers_only_for_its_own_id() {
        let mut last = LastFound::default();
        assert_eq!(last.get(""), None);
        last.set("cycle-a", 3);
        assert_eq!(last.get("cycle-a"), Some(3));
        assert_eq!(last.get("cycle-ab"), None);
        last.set("c", 7);
        assert_eq!((last.get("c"), last.get("cycle-a")), (Some(7), None));
    }

    #[test]
    fn given_items_a_serialized_map_reads_back_equal_in_order() {
        let mut items: ById<String, u32> = ById::new();
        for i in [3, 1, 2] {
            items.insert(format!("g{i}"), i);
        }
        let json = serde_json::to_string(&items).expect("serializes");
        assert_eq!(json, r#"{"g3":3,"g1":1,"g2":2}"#);
        let back: ById<String, u32> = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, items);
        assert_eq!(format!("{back:?}"), r#"{"g3": 3, "g1": 1, "g2": 2}"#);
    }

    proptest! {
        /// Below and past the point where the index is built, it answers as a map does.
        #[test]
        fn it_answers_as_a_hash_map_does(ops in prop::collection::vec((0u8..60, any::<u16>()), 0..200)) {
            let mut items: ById<String, u16> = ById::new();
            let mut model: std::collections::HashMap<String, u16> = Default::default();
            let mut order: Vec<String> = Vec::new();
            for (id, value) in ops {
                let id = format!("m{id}");
                if !model.contains_key(&id) {
                    order.push(id.clone());
                }
                prop_assert_eq!(items.insert(id.clone(), value), model.insert(id, value));
                prop_assert_eq!(items.len(), model.len());
            }
            for id in (0u8..70).map(|i| format!("m{i}")) {
                prop_assert_eq!(items.get(&id), model.get(&id));
                prop_assert_eq!(items.contains_key(&id), model.contains_key(&id));
            }
            let keys: Vec<&String> = items.keys().collect();
            prop_assert_eq!(keys, order.iter().collect::<Vec<_>>());
        }
    }
}
