//! The latest first passes of [`crate::Store::lexical_rescored`], kept by a store for the next
//! searches of the same terms. One research request searches the same text's distinctive terms
//! for its list, its sentencing precedents and its charge vote, and at court scale each first
//! pass is most of a search's time (on either store).

use crate::{FieldBoosts, Filters, StoreError};
use std::collections::VecDeque;
use std::sync::Mutex;

/// What a first pass searched: its terms and field weights (as bits, so the key compares
/// exactly), its conditions and how many documents it kept.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstPassKey {
    terms: Vec<(String, u32)>,
    boosts: Vec<(&'static str, u32)>,
    filters: Filters,
    limit: usize,
}

impl FirstPassKey {
    pub fn new(
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Self {
        FirstPassKey {
            terms: terms
                .iter()
                .map(|(t, w)| (t.clone(), w.to_bits()))
                .collect(),
            boosts: boosts.iter().map(|(f, w)| (*f, w.to_bits())).collect(),
            filters: filters.clone(),
            limit,
        }
    }
}

/// First passes a store keeps (a few requests' worth; each is at most a pool of documents).
pub const FIRST_PASS_ENTRIES: usize = 8;

/// The last [`FIRST_PASS_ENTRIES`] first passes, the oldest dropped first. `K` is a
/// [`FirstPassKey`], with whatever else tells a store's libraries apart (a generation).
pub struct RecentFirstPasses<K, V> {
    kept: Mutex<VecDeque<(K, V)>>,
}

impl<K, V> Default for RecentFirstPasses<K, V> {
    fn default() -> Self {
        RecentFirstPasses {
            kept: Mutex::new(VecDeque::new()),
        }
    }
}

impl<K: PartialEq, V: Clone> RecentFirstPasses<K, V> {
    pub fn get(&self, key: &K) -> Result<Option<V>, StoreError> {
        let kept = self.kept.lock().map_err(poisoned)?;
        Ok(kept.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    pub fn insert(&self, key: K, value: V) -> Result<(), StoreError> {
        let mut kept = self.kept.lock().map_err(poisoned)?;
        if kept.len() >= FIRST_PASS_ENTRIES {
            kept.pop_front();
        }
        kept.push_back((key, value));
        Ok(())
    }

    /// Drops every kept pass.
    pub fn clear(&self) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.clear();
        }
    }

    /// The pass kept under `key`, or `search`'s, then kept.
    pub fn get_or_search(
        &self,
        key: K,
        search: impl FnOnce() -> Result<V, StoreError>,
    ) -> Result<V, StoreError> {
        if let Some(found) = self.get(&key)? {
            return Ok(found);
        }
        let found = search()?;
        self.insert(key, found.clone())?;
        Ok(found)
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Failed("内部锁已损坏".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_passes_and_searches_once_each() {
        let passes = RecentFirstPasses::<u32, u32>::default();
        let mut searches = 0;
        for key in [1, 2, 1, 1, 2] {
            let found = passes.get_or_search(key, || {
                searches += 1;
                Ok(key * 10)
            });
            assert_eq!(found.unwrap(), key * 10);
        }
        assert_eq!(searches, 2);
        for key in 3..3 + FIRST_PASS_ENTRIES as u32 {
            passes.insert(key, key).unwrap();
        }
        assert_eq!(passes.get(&1).unwrap(), None, "the oldest pass is dropped");
        assert_eq!(passes.get(&3).unwrap(), Some(3));
    }

    #[test]
    fn keys_tell_weights_and_limits_apart() {
        let terms = [("盗窃".to_string(), 1.0f32)];
        let boosts: &FieldBoosts = &[("judgment.facts", 1.0)];
        let filters = Filters::default();
        let key = FirstPassKey::new(&terms, boosts, &filters, 300);
        assert_eq!(key, FirstPassKey::new(&terms, boosts, &filters, 300));
        assert_ne!(key, FirstPassKey::new(&terms, boosts, &filters, 100));
        let heavier = [("盗窃".to_string(), 1.5f32)];
        assert_ne!(key, FirstPassKey::new(&heavier, boosts, &filters, 300));
    }
}
