//! Background embedding for `leian serve --embed-in-background`: BM25 answers at once, the
//! snapshot's passages are embedded on a worker thread (through the embedding cache, so a
//! restart resumes), then the server reloads the snapshot and answers in hybrid mode.

use crate::dense::{ModelEncoder, PassageStrategy, embed_snapshot};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The passage strategy `leian index` uses by default.
pub const DEFAULT_STRATEGY: PassageStrategy = PassageStrategy {
    tokens: 256,
    overlap: 32,
    hnsw_min_passages: leian_index::DEFAULT_HNSW_MIN_PASSAGES,
};

/// Embeds the served snapshot on a worker thread whenever it has no vectors: at start and
/// after every reload (SIGHUP, `POST /v1/admin/reload`, or a rebuild with `--no-embed`), one
/// snapshot at a time.
pub struct BackgroundEmbedder {
    runtime: leian_server::RuntimeHandle,
    model: String,
    running: AtomicBool,
}

impl BackgroundEmbedder {
    pub fn new(runtime: &leian_server::Runtime, model: String) -> Arc<Self> {
        Arc::new(Self {
            runtime: runtime.handle().clone(),
            model,
            running: AtomicBool::new(false),
        })
    }

    /// Starts embedding the served snapshot unless it has vectors or an embedding runs already.
    /// A run that finishes reloads the server, which calls this again for whatever is served
    /// then, so a snapshot swapped in meanwhile is embedded next.
    pub fn ensure(self: &Arc<Self>, state: &leian_server::AppState) {
        let served = state.current();
        if served.engine.dense_model().is_some() || self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (index_dir, snapshot_id) = (served.path.clone(), served.snapshot_id.clone());
        drop(served);
        let (embedder, state) = (Arc::clone(self), state.clone());
        let spawned = std::thread::Builder::new()
            .name("leian-embed".into())
            .spawn(move || {
                let embedded = embed_served(&state, &index_dir, &embedder.model);
                embedder.running.store(false, Ordering::SeqCst);
                let failed = embedded.is_err();
                finish(&state, &embedder.runtime, embedded, &embedder.running);
                // A snapshot swapped in meanwhile found the worker busy (and made this one fail
                // to attach its vectors): embed it now.
                if failed && state.current().snapshot_id != snapshot_id {
                    embedder.ensure(&state);
                }
            });
        if let Err(error) = spawned {
            self.running.store(false, Ordering::SeqCst);
            tracing::error!(%error, "cannot start background embedding; BM25 keeps answering");
        }
    }
}

fn embed_served(
    state: &leian_server::AppState,
    index_dir: &Path,
    model: &str,
) -> anyhow::Result<leian_index::Manifest> {
    state.set_activity(Some(format!("embedding with {model}: loading the model")));
    let encoder = ModelEncoder::load(model)?;
    embed_snapshot(index_dir, &encoder, &DEFAULT_STRATEGY, &|done, total| {
        state.set_activity(Some(format!(
            "embedding with {model}: {done}/{total} passages; BM25 answers until then"
        )));
    })
}

/// Reloads the embedded snapshot, or reports why there is none.
fn finish(
    state: &leian_server::AppState,
    handle: &leian_server::RuntimeHandle,
    embedded: anyhow::Result<leian_index::Manifest>,
    running: &AtomicBool,
) {
    match embedded {
        Ok(manifest) => {
            state.set_activity(Some("loading the embedded snapshot".into()));
            let reloaded = handle.block_on(state.reload(None));
            // The reload may have started embedding a newer snapshot, which reports itself.
            if !running.load(Ordering::SeqCst) {
                state.set_activity(None);
            }
            match reloaded {
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
        }
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "background embedding failed; BM25 keeps answering");
            state.set_activity(Some(format!("background embedding failed: {error:#}")));
        }
    }
}
