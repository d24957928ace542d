//! How token vectors become one sentence vector, read from a sentence-transformers layout.

use std::path::Path;

use serde::Deserialize;

use crate::EmbedError;
use crate::config::read_json;

/// How the token vectors of a text are reduced to one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Average of the token vectors, padding excluded.
    Mean,
    /// The vector of the leading `[CLS]` token.
    Cls,
    /// Element-wise maximum over the token vectors, padding excluded.
    Max,
}

/// One entry of sentence-transformers' `modules.json`.
#[derive(Deserialize)]
struct Module {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The fields of `1_Pooling/config.json` that choose a mode.
#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

/// The pooling a model directory asks for: from `modules.json` and the pooling module's
/// `config.json` when the directory is a sentence-transformers model, else [`Pooling::Mean`]
/// (what sentence-transformers itself falls back to for a bare Hugging Face model).
pub(crate) fn read_pooling(dir: &Path) -> Result<Pooling, EmbedError> {
    let modules_path = dir.join("modules.json");
    if !modules_path.is_file() {
        return Ok(Pooling::Mean);
    }
    let modules: Vec<Module> = read_json(&modules_path)?;
    let mut pooling = Pooling::Mean;
    for module in &modules {
        match module.kind.rsplit('.').next().unwrap_or_default() {
            "Transformer" | "Normalize" => {}
            "Pooling" => {
                let path = dir.join(&module.path).join("config.json");
                pooling = mode(&read_json(&path)?)?;
            }
            // A Dense or other head after pooling changes the vectors; ignoring it would give
            // silently wrong embeddings.
            other => {
                return Err(EmbedError::UnsupportedModel(format!(
                    "不支持 {} 中的 sentence-transformers 模块 {other}",
                    modules_path.display()
                )));
            }
        }
    }
    Ok(pooling)
}

fn mode(config: &PoolingConfig) -> Result<Pooling, EmbedError> {
    let unsupported = config.pooling_mode_mean_sqrt_len_tokens
        || config.pooling_mode_weightedmean_tokens
        || config.pooling_mode_lasttoken;
    let modes = [
        (config.pooling_mode_mean_tokens, Pooling::Mean),
        (config.pooling_mode_cls_token, Pooling::Cls),
        (config.pooling_mode_max_tokens, Pooling::Max),
    ];
    let mut chosen = modes.iter().filter(|(on, _)| *on).map(|(_, mode)| *mode);
    match (chosen.next(), chosen.next(), unsupported) {
        (Some(mode), None, false) => Ok(mode),
        _ => Err(EmbedError::UnsupportedModel(
            "池化配置必须且只能启用 mean、cls、max tokens 中的一种".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> PoolingConfig {
        serde_json::from_str(json).expect("test config parses")
    }

    #[test]
    fn picks_the_single_enabled_mode() {
        let cls = config(r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#);
        assert_eq!(mode(&cls).ok(), Some(Pooling::Cls));
        let max = config(r#"{"pooling_mode_max_tokens": true}"#);
        assert_eq!(mode(&max).ok(), Some(Pooling::Max));
    }

    #[test]
    fn rejects_combined_or_unknown_modes() {
        let both = config(r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#);
        assert!(mode(&both).is_err());
        let sqrt = config(r#"{"pooling_mode_mean_sqrt_len_tokens": true}"#);
        assert!(mode(&sqrt).is_err());
        assert!(mode(&config("{}")).is_err());
    }

    #[test]
    fn bare_model_directory_means_mean_pooling() {
        let dir = std::env::temp_dir().join("leian-embed-no-such-model-dir");
        assert_eq!(read_pooling(&dir).ok(), Some(Pooling::Mean));
    }
}
