//! Admission of the CPU-bound work behind a request (research, reports, citation checks,
//! document reads). The blocking pool would otherwise take every request that arrives: under
//! overload a timeout answered 503 but its work went on, hundreds of orphaned searches kept the
//! cores busy for half a minute after the load stopped, and SIGTERM waited for them.
//!
//! Here at most `workers` jobs run at once — each holds its permit until it finishes, even when
//! the client stopped waiting, and stops at its deadline (`leian_core::deadline`) — and at most
//! `max_queued` requests wait for one, none longer than `max_wait`; the rest are answered `503
//! overloaded` with `Retry-After`. So under any load a request is answered or refused within
//! `max_wait` plus one job's time, and when the load stops only the queue is left to drain.

use crate::error::ApiError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Longest a request waits for a worker before it is refused.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_millis(500);

/// Running and queued CPU-bound jobs.
pub struct Admission {
    permits: Arc<Semaphore>,
    queued: AtomicUsize,
    max_queued: usize,
    max_wait: Duration,
}

/// One place in the queue, given back when dropped (admitted, or the request was abandoned).
struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// `workers` jobs at once (CPU-bound work gains nothing beyond the cores), `max_queued`
    /// waiting, each at most `max_wait`.
    pub fn new(workers: usize, max_queued: usize, max_wait: Duration) -> Self {
        Admission {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            queued: AtomicUsize::new(0),
            max_queued,
            max_wait,
        }
    }

    /// Sized for this machine: one job per core, 512 waiting per core, each `max_wait` at most
    /// (default half a second). The wait bound, not the queue length, keeps answers within a second under
    /// overload (a BM25 search takes about 15 ms of a core, so 512 waiting would be 4 s); the
    /// long queue keeps clients that retry at once from spending the cores on refusals
    /// (measured with 500 such clients: a 32-per-core queue gave 41 answers/s instead of 51).
    pub fn for_this_machine(max_wait: Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, 512 * cores, max_wait)
    }

    /// Runs `job` on the blocking pool once admitted.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let place = self.enqueue()?;
        let permit =
            match tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await {
                Ok(permit) => permit.map_err(ApiError::internal)?,
                Err(_) => return Err(ApiError::overloaded()),
            };
        drop(place);
        tokio::task::spawn_blocking(move || {
            let _running = permit;
            job()
        })
        .await
        .map_err(ApiError::internal)
    }

    fn enqueue(&self) -> Result<QueuePlace<'_>, ApiError> {
        let before = self.queued.fetch_add(1, Ordering::AcqRel);
        let place = QueuePlace(&self.queued);
        match before < self.max_queued {
            true => Ok(place),
            false => Err(ApiError::overloaded()),
        }
    }

    /// Jobs waiting for a worker now (for tests and metrics).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_beyond_the_queue_is_refused_at_once() {
        let admission = Arc::new(Admission::new(1, 2, Duration::from_secs(60)));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(std::sync::Mutex::new(hold));
        // One job runs and blocks; two wait.
        let mut waiting = Vec::new();
        for _ in 0..3 {
            let admission = admission.clone();
            let hold = hold.clone();
            waiting.push(tokio::spawn(async move {
                admission
                    .run(move || hold.lock().unwrap().recv().ok())
                    .await
            }));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(admission.queued(), 2);
        let refused = admission.run(|| ()).await.unwrap_err();
        assert_eq!(refused.code, crate::error::code::OVERLOADED);
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for job in waiting {
            assert!(job.await.unwrap().is_ok());
        }
        assert_eq!(admission.queued(), 0);
        assert!(admission.run(|| 7).await.is_ok_and(|n| n == 7));
    }

    #[tokio::test]
    async fn an_abandoned_request_gives_its_place_back() {
        let admission = Admission::new(1, 1, Duration::from_secs(60));
        let permit = admission.permits.clone().acquire_owned().await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(50), admission.run(|| ())).await;
        assert!(waiting.is_err(), "should still be waiting");
        assert_eq!(admission.queued(), 0);
        drop(permit);
        assert!(admission.run(|| ()).await.is_ok());
    }

    #[tokio::test]
    async fn nobody_waits_longer_than_the_bound() {
        let admission = Admission::new(1, 100, Duration::from_millis(100));
        let permit = admission.permits.clone().acquire_owned().await.unwrap();
        let started = std::time::Instant::now();
        let refused = admission.run(|| ()).await.unwrap_err();
        assert_eq!(refused.code, crate::error::code::OVERLOADED);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(admission.queued(), 0);
        drop(permit);
        assert!(admission.run(|| ()).await.is_ok());
    }
}
