//! The latest first passes of [`crate::Store::lexical_rescored`], kept by a store for the next
//! searches of the same terms. One research request searches the same text's distinctive terms
//! for its list, its sentencing precedents and its charge vote, and at court scale each first
//! pass is most of a search's time (on either store).

use crate::{FieldBoosts, Filters, StoreError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

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
///
/// A pass being searched is kept as a slot that later callers with the same key wait on: a
/// research request searches its list and its charge vote on two threads at once, and both
/// start with the same first pass.
pub struct RecentFirstPasses<K, V> {
    kept: Mutex<VecDeque<(K, Slot<V>)>>,
}

/// A pass, searched once: `None` inside once its search failed (the next caller searches again).
type Slot<V> = Arc<OnceLock<Option<V>>>;

impl<K, V> Default for RecentFirstPasses<K, V> {
    fn default() -> Self {
        RecentFirstPasses {
            kept: Mutex::new(VecDeque::new()),
        }
    }
}

impl<K: PartialEq, V: Clone> RecentFirstPasses<K, V> {
    /// The pass kept under `key`, if its search has finished.
    pub fn get(&self, key: &K) -> Result<Option<V>, StoreError> {
        let kept = self.kept.lock().map_err(poisoned)?;
        Ok(kept
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, slot)| slot.get().cloned().flatten()))
    }

    /// Drops every kept pass.
    pub fn clear(&self) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.clear();
        }
    }

    /// The pass kept under `key`, or `search`'s, then kept. A caller that finds the same pass
    /// being searched on another thread waits for it.
    pub fn get_or_search(
        &self,
        key: K,
        search: impl FnOnce() -> Result<V, StoreError>,
    ) -> Result<V, StoreError> {
        let slot = {
            let mut kept = self.kept.lock().map_err(poisoned)?;
            match kept.iter().find(|(k, _)| *k == key) {
                Some((_, slot)) if !matches!(slot.get(), Some(None)) => slot.clone(),
                _ => {
                    kept.retain(|(k, _)| *k != key);
                    let slot = Slot::default();
                    if kept.len() >= FIRST_PASS_ENTRIES {
                        kept.pop_front();
                    }
                    kept.push_back((key, slot.clone()));
                    slot
                }
            }
        };
        let mut search = Some(search);
        let mut failure = None;
        let found = slot.get_or_init(|| match search.take().map(|search| search()) {
            Some(Ok(found)) => Some(found),
            Some(Err(e)) => {
                failure = Some(e);
                None
            }
            None => None,
        });
        match (found, failure, search) {
            (Some(found), _, _) => Ok(found.clone()),
            (None, Some(e), _) => Err(e),
            // Another thread's search of this pass failed: search again, without keeping it.
            (None, None, Some(search)) => search(),
            (None, None, None) => unreachable!("a search that ran either found or failed"),
        }
    }

    /// Drops the pass kept under `key` (one that must not serve later requests).
    pub fn forget(&self, key: &K) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|(k, _)| k != key);
        }
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
            passes.get_or_search(key, || Ok(key)).unwrap();
        }
        assert_eq!(passes.get(&1).unwrap(), None, "the oldest pass is dropped");
        assert_eq!(passes.get(&3).unwrap(), Some(3));
    }

    #[test]
    fn a_pass_being_searched_is_waited_for_not_searched_again() {
        let passes = RecentFirstPasses::<u32, u32>::default();
        let searches = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let found = passes.get_or_search(1, || {
                        searches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(7)
                    });
                    assert_eq!(found.unwrap(), 7);
                });
            }
        });
        assert_eq!(searches.into_inner(), 1);
        // A failed search is not kept: the next caller searches again.
        let failed = passes.get_or_search(2, || Err(StoreError::Failed("x".into())));
        assert!(failed.is_err());
        assert_eq!(passes.get(&2).unwrap(), None);
        assert_eq!(passes.get_or_search(2, || Ok(9)).unwrap(), 9);
        passes.forget(&2);
        assert_eq!(passes.get(&2).unwrap(), None);
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
