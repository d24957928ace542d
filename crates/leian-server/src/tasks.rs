//! The server's background tasks: embedding a served snapshot that has no vectors (`leian serve
//! --embed-in-background`), then reloading it. BM25 answers meanwhile; `/v1/ready` shows what
//! runs. One embedding at a time; a snapshot swapped in during a run is embedded next.

use crate::AppState;
use leian_service::embedding::{DEFAULT_STRATEGY, embed_snapshot};
use leian_service::encoder::ModelEncoder;
use leian_service::{Progress, Service};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// What runs in the background and what it says about itself.
#[derive(Default)]
pub(crate) struct Tasks {
    embedding: AtomicBool,
    activity: Mutex<Option<String>>,
}

impl Tasks {
    pub(crate) fn activity(&self) -> Option<String> {
        self.activity
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_activity(&self, activity: Option<String>) {
        *self.activity.lock().unwrap_or_else(|e| e.into_inner()) = activity;
    }
}

/// Starts embedding the served snapshot when the settings ask for background embedding, it has
/// no vectors, and no embedding runs already. A finished run reloads the server, which calls this
/// again for whatever is served then.
pub(crate) fn embed_if_needed(state: &AppState) {
    let Some(model) = state.settings().embed_in_background.clone() else {
        return;
    };
    let served = state.current();
    if served.engine.dense_model().is_some() || state.tasks().embedding.swap(true, Ordering::SeqCst)
    {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        // Outside a runtime (a state built before serving): start when the server runs.
        state.tasks().embedding.store(false, Ordering::SeqCst);
        return;
    };
    let snapshot_id = served.snapshot_id.clone();
    drop(served);
    let state = state.clone();
    runtime.spawn_blocking(move || {
        let embedded = embed_served(&state, &model);
        state.tasks().embedding.store(false, Ordering::SeqCst);
        match embedded {
            Ok(()) => {
                state
                    .tasks()
                    .set_activity(Some("正在加载已计算向量的快照".into()));
                let reloaded = tokio::runtime::Handle::current().block_on(state.reload(None));
                // The reload may have started embedding a newer snapshot, which reports itself.
                if !state.tasks().embedding.load(Ordering::SeqCst) {
                    state.tasks().set_activity(None);
                }
                match reloaded {
                    Ok(reloaded) => tracing::warn!(
                        snapshot = %reloaded.snapshot_id,
                        "embedding finished: hybrid search is on"
                    ),
                    Err(error) => {
                        tracing::error!(%error, "embedding finished but the snapshot did not load")
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, "background embedding failed; BM25 keeps answering");
                state
                    .tasks()
                    .set_activity(Some(format!("后台计算向量失败：{error}")));
                // A snapshot swapped in meanwhile found the worker busy (and made this one fail
                // to attach its vectors): embed it now.
                if state.current().snapshot_id != snapshot_id {
                    embed_if_needed(&state);
                }
            }
        }
    });
}

fn embed_served(state: &AppState, model: &str) -> Result<(), leian_service::ServiceError> {
    let served: std::sync::Arc<Service> = state.current();
    let path = served.path.clone();
    drop(served);
    let tasks = state.tasks();
    tasks.set_activity(Some(format!("正在用 {model} 计算向量：加载模型")));
    let encoder = ModelEncoder::load(model)?;
    let progress = ActivityProgress {
        tasks,
        model,
        total: Default::default(),
    };
    embed_snapshot(&path, &encoder, &DEFAULT_STRATEGY, &progress)?;
    Ok(())
}

/// Embedding progress shown in `/v1/ready`.
struct ActivityProgress<'a> {
    tasks: &'a Tasks,
    model: &'a str,
    total: Mutex<Option<u64>>,
}

impl Progress for ActivityProgress<'_> {
    fn begin(&self, _: &str, total: Option<u64>) {
        *self.total.lock().unwrap_or_else(|e| e.into_inner()) = total;
    }

    fn update(&self, done: u64) {
        let total = *self.total.lock().unwrap_or_else(|e| e.into_inner());
        self.tasks.set_activity(Some(format!(
            "正在用 {} 计算向量：{done}/{} 个段落；完成前由关键词检索（BM25）回答",
            self.model,
            total.map_or("?".to_string(), |t| t.to_string())
        )));
    }

    fn end(&self, summary: &str) {
        tracing::info!("{summary}");
    }
}
