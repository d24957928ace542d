//! Work of one request on two threads. A request's deadline ([`crate::deadline`]) and its
//! consent to a partial answer ([`crate::shards`]) are thread-locals of the thread it runs on;
//! [`join`] carries both to the helper thread and brings the helper's missing shards back.

use crate::{deadline, shards};

/// Runs `first` here and `second` on a scoped thread at the same time, under this thread's
/// deadline and partial-answer scope; returns both results.
pub fn join<A, B: Send>(first: impl FnOnce() -> A, second: impl FnOnce() -> B + Send) -> (A, B) {
    let until = deadline::current();
    let partial = shards::partial_allowed();
    std::thread::scope(|scope| {
        let helper = scope.spawn(move || {
            let run = move || match partial {
                true => shards::allowing_partial(second),
                false => (second(), Vec::new()),
            };
            match until {
                Some(until) => deadline::within(until, run),
                None => run(),
            }
        });
        let first = first();
        let (second, missing) = match helper.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        for shard in &missing {
            shards::note_missing(shard);
        }
        (first, second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_helper_thread_shares_the_deadline_and_the_partial_scope() {
        let until = Instant::now() + Duration::from_secs(60);
        let ((), missing) = shards::allowing_partial(|| {
            deadline::within(until, || {
                let (here, there) = join(deadline::current, || {
                    shards::note_missing("shard2");
                    (deadline::current(), shards::partial_allowed())
                });
                assert_eq!(here, Some(until));
                assert_eq!(there, (Some(until), true));
            })
        });
        assert_eq!(missing, vec!["shard2".to_string()]);
        let (_, there) = join(|| (), || (deadline::current(), shards::partial_allowed()));
        assert_eq!(there, (None, false));
    }
}
