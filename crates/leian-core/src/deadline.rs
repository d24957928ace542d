//! The deadline of the work running on this thread, for cooperative cancellation.
//!
//! A request's work runs to its end on one blocking thread; the server answers `503 timeout`
//! when its time is up, but work that went on regardless kept a core busy for nothing. Long
//! loops (text analysis, statute linking, explanations, citation checks, report sections) ask
//! [`expired`] and stop early; the use case then returns [`DeadlineExceeded`] through
//! [`check`], so the thread is free again soon after the deadline.
//!
//! A thread-local rather than a parameter: the loops sit several calls deep in pure functions
//! that the command line, the evaluation and the tests call without any deadline, and threading
//! a token through each signature would touch them all for the server's sake alone.

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The work on this thread passed its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("处理超时：已超过本次请求的时限，处理已中止")]
pub struct DeadlineExceeded;

/// Runs `work` with `deadline` set on this thread (restoring the previous one after).
pub fn within<T>(deadline: Instant, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(DEADLINE.with(|d| d.replace(Some(deadline))));
    work()
}

/// Whether the work on this thread is past its deadline (never without one).
pub fn expired() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|deadline| Instant::now() >= deadline))
}

/// This thread's deadline, to carry to a helper thread of the same work.
pub fn current() -> Option<Instant> {
    DEADLINE.with(|d| d.get())
}

/// Time left before this thread's deadline (zero once past it; `None` without one), for work
/// handed to another process that must stop there too (a database statement).
pub fn remaining() -> Option<std::time::Duration> {
    current().map(|deadline| deadline.saturating_duration_since(Instant::now()))
}

/// `Err` once the work on this thread is past its deadline.
pub fn check() -> Result<(), DeadlineExceeded> {
    match expired() {
        true => Err(DeadlineExceeded),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn deadlines_are_per_thread_and_restored() {
        assert!(check().is_ok());
        let past = Instant::now() - Duration::from_millis(1);
        within(past, || {
            assert!(expired());
            assert_eq!(check(), Err(DeadlineExceeded));
            std::thread::spawn(|| assert!(!expired())).join().unwrap();
            within(Instant::now() + Duration::from_secs(60), || {
                assert!(!expired())
            });
            assert!(expired());
        });
        assert!(!expired());
    }
}
