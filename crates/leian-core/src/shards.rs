//! Partial answers from a sharded store, per request.
//!
//! A request that says it accepts a partial answer (`"partial": true`) runs inside
//! [`allowing_partial`]; a distributed store that finds a shard down then answers from the live
//! shards and names the missing one here ([`note_missing`]) instead of failing with
//! [`crate::StoreError::ShardUnavailable`]. A thread-local for the reason [`crate::deadline`]
//! gives: a request runs on one blocking thread, and the store sits several calls below the use
//! case, under pure ranking code that has no business carrying the flag.

use std::cell::RefCell;

thread_local! {
    static MISSING: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `work` accepting answers without unreachable shards; returns its result and the shards
/// that were left out (sorted, each once; empty when every shard answered).
pub fn allowing_partial<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    /// Puts the enclosing scope back, on return and on a panic alike.
    struct Restore(Option<Vec<String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            MISSING.with(|m| *m.borrow_mut() = self.0.take());
        }
    }
    let restore = Restore(MISSING.with(|m| m.borrow_mut().replace(Vec::new())));
    let result = work();
    let mut missing = MISSING.with(|m| m.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    missing.sort();
    missing.dedup();
    (result, missing)
}

/// Whether the work on this thread accepts answers without an unreachable shard.
pub fn partial_allowed() -> bool {
    MISSING.with(|m| m.borrow().is_some())
}

/// How many shards have been left out so far in this scope (0 outside [`allowing_partial`]):
/// a store that keeps results for later requests keeps only those that missed none.
pub fn missing_so_far() -> usize {
    MISSING.with(|m| m.borrow().as_ref().map_or(0, Vec::len))
}

/// Records that `shard` was left out of the answer (only inside [`allowing_partial`]).
pub fn note_missing(shard: &str) {
    MISSING.with(|m| {
        if let Some(missing) = m.borrow_mut().as_mut() {
            missing.push(shard.to_string());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_scopes_collect_missing_shards_and_restore() {
        assert!(!partial_allowed());
        note_missing("ignored");
        let ((), missing) = allowing_partial(|| {
            assert!(partial_allowed());
            note_missing("shard2");
            note_missing("shard1");
            note_missing("shard2");
            std::thread::spawn(|| assert!(!partial_allowed()))
                .join()
                .unwrap();
        });
        assert_eq!(missing, ["shard1", "shard2"]);
        assert!(!partial_allowed());
        let (_, none) = allowing_partial(|| ());
        assert!(none.is_empty());
    }
}
