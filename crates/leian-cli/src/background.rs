//! Background embedding for `leian serve --embed-in-background`: BM25 answers at once, the
//! snapshot's passages are embedded on a worker thread (through the embedding cache, so a
//! restart resumes), then the server reloads the snapshot and answers in hybrid mode.

use crate::dense::{ModelEncoder, PassageStrategy, embed_snapshot};
use std::path::PathBuf;

/// The passage strategy `leian index` uses by default.
pub const DEFAULT_STRATEGY: PassageStrategy = PassageStrategy {
    tokens: 256,
    overlap: 32,
    hnsw_min_passages: leian_index::DEFAULT_HNSW_MIN_PASSAGES,
};

pub fn spawn_embedding(
    runtime: &leian_server::Runtime,
    state: leian_server::AppState,
    index_dir: PathBuf,
    model: String,
) {
    let handle = runtime.handle().clone();
    std::thread::Builder::new()
        .name("leian-embed".into())
        .spawn(move || {
            state.set_activity(Some(format!("embedding with {model}: loading the model")));
            let progress_state = state.clone();
            let embedded = ModelEncoder::load(&model).and_then(|encoder| {
                embed_snapshot(&index_dir, &encoder, &DEFAULT_STRATEGY, &|done, total| {
                    progress_state.set_activity(Some(format!(
                        "embedding with {model}: {done}/{total} passages; BM25 answers until then"
                    )));
                })
            });
            match embedded {
                Ok(manifest) => {
                    state.set_activity(Some("loading the embedded snapshot".into()));
                    match handle.block_on(state.reload(None)) {
                        Ok(reloaded) => tracing::warn!(
                            snapshot = %reloaded.snapshot_id,
                            "embedding finished: hybrid search is on"
                        ),
                        Err(error) => tracing::error!(
                            %error,
                            snapshot = %manifest.snapshot_id,
                            "embedding finished but the snapshot did not load"
                        ),
                    }
                    state.set_activity(None);
                }
                Err(error) => {
                    tracing::error!(error = %format!("{error:#}"), "background embedding failed; BM25 keeps answering");
                    state.set_activity(Some(format!(
                        "background embedding failed: {error:#}"
                    )));
                }
            }
        })
        .expect("spawning a thread");
}
