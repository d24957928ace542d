//! The batch jobs of the server (`/v1/batches`): their SQLite store beside the served index and
//! the one worker thread that runs them, oldest first. Jobs left queued or running by a stopped
//! server are queued again at start-up (`JobStore::resume`).
//!
//! One job at a time, grouping on one thread: a batch of 10,000 filings takes seconds of one
//! core, and the other cores keep answering searches. The worker holds the server's state
//! weakly, so a dropped state (tests build many) lets its worker end.

use crate::Shared;
use leian_service::batch::jobs::{JobStore, run_job, store_path};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

/// Jobs that may wait at once; more are refused with `503 batch_queue_full`.
pub const MAX_QUEUED_BATCHES: usize = 8;

/// The store and the queue of the worker.
pub struct BatchJobs {
    pub store: JobStore,
    queue: Mutex<VecDeque<String>>,
    wake: Condvar,
}

impl BatchJobs {
    /// Opens the store at `path` (in memory without one) and queues what was left to run.
    pub(crate) fn open(path: Option<PathBuf>) -> Result<Arc<BatchJobs>, String> {
        let store = match &path {
            Some(path) => JobStore::open(path),
            None => JobStore::in_memory(),
        }
        .map_err(|e| e.to_string())?;
        let pending = store.resume().map_err(|e| e.to_string())?;
        if !pending.is_empty() {
            tracing::warn!(
                jobs = pending.len(),
                "batch jobs left by the last run are queued again"
            );
        }
        Ok(Arc::new(BatchJobs {
            store,
            queue: Mutex::new(pending.into()),
            wake: Condvar::new(),
        }))
    }

    /// Queues job `id` for the worker.
    pub fn enqueue(&self, id: String) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(id);
        self.wake.notify_one();
    }

    /// Jobs waiting for the worker.
    pub fn waiting(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn next(&self, wait: Duration) -> Option<String> {
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let (mut queue, _) = self
            .wake
            .wait_timeout_while(queue, wait, |q| q.is_empty())
            .unwrap_or_else(|e| e.into_inner());
        queue.pop_front()
    }
}

/// Where the jobs of an index folder are kept: beside it; in memory when the server was given
/// no folder (a service built in a test).
pub(crate) fn default_path(index: &std::path::Path) -> Option<PathBuf> {
    (!index.as_os_str().is_empty()).then(|| store_path(index))
}

/// Starts the worker of `jobs` for the server whose state `shared` is.
pub(crate) fn start_worker(jobs: Arc<BatchJobs>, shared: Weak<Shared>) {
    let spawned = std::thread::Builder::new()
        .name("leian-batches".into())
        .spawn(move || {
            loop {
                if shared.strong_count() == 0 {
                    return;
                }
                let Some(id) = jobs.next(Duration::from_secs(1)) else {
                    continue;
                };
                let Some(state) = shared.upgrade() else {
                    return;
                };
                // The snapshot serving now lists the precedents; a reload meanwhile does not
                // change a running job.
                let service = state.index.load_full();
                drop(state);
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_job(&jobs.store, &id, Some(&service), 1)
                }));
                match run {
                    Ok(Ok(())) => tracing::info!(job = %id, "batch job finished"),
                    Ok(Err(error)) => tracing::error!(job = %id, %error, "batch job failed"),
                    // The worker goes on with the next job; this one is marked failed.
                    Err(_) => {
                        tracing::error!(job = %id, "batch job panicked");
                        let _ = jobs.store.fail(&id, "批量任务出错：服务器内部错误");
                    }
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the batch worker");
    }
}
