//! How long jobs (indexing, embedding, evaluation) report progress: the job calls a
//! [`Progress`]; the command line draws a bar, the server shows it in `/v1/ready`.

/// Receives a job's progress. Implementations must be cheap: jobs call it for every batch.
pub trait Progress: Sync {
    /// A step starts: `task` in Chinese for the user, `total` units when known.
    fn begin(&self, task: &str, total: Option<u64>);
    /// `done` units of the current step are finished (absolute, not a delta).
    fn update(&self, done: u64);
    /// The current step is finished; `summary` says what it did, for a log line.
    fn end(&self, summary: &str);
}

/// Progress nobody watches.
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn update(&self, _: u64) {}
    fn end(&self, _: &str) {}
}
