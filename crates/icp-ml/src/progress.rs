//! The observer through which long-running work reports progress. Algorithms and the pipeline
//! call it; the binary implements it (progress bars); nothing below the binary ever prints.

/// Receives progress of long steps. Implementations must be cheap: `advance` may be called
/// from many threads, often.
pub trait Progress: Sync {
    /// A step named `stage` starts, with `total` units of work (0 when unknown).
    fn start(&self, stage: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The current step is done.
    fn finish(&self);
}

/// Discards all progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
