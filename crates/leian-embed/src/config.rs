//! Reading a Hugging Face model directory: `config.json` and the weight files.

use std::path::Path;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::EmbedError;

/// The weight file names tried in order: safetensors first because it maps without copying.
const SAFETENSORS: &str = "model.safetensors";
const PYTORCH: &str = "pytorch_model.bin";

/// The one tensor every BERT checkpoint has; its key reveals the checkpoint's name prefix.
const WORD_EMBEDDINGS: &str = "embeddings.word_embeddings.weight";

/// The activation of BERT's feed-forward layers, spelt as candle spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenAct {
    Gelu,
    GeluApproximate,
    Relu,
}

/// A BERT `config.json`, with the fields candle's BERT requires (so a configuration candle would
/// refuse is refused here too, and the GPU path can hand it to candle unchanged). Kept here rather
/// than taken from candle-transformers: the CPU build uses nothing else of that crate, whose
/// compilation was minutes of every clean build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: HiddenAct,
    pub hidden_dropout_prob: f64,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub initializer_range: f64,
    pub layer_norm_eps: f64,
    pub pad_token_id: usize,
    pub classifier_dropout: Option<f64>,
    pub model_type: Option<String>,
}

/// Reads and parses a JSON file, naming the file in any error.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmbedError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|error| EmbedError::InvalidConfig {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// `dir/name` if it is a file, else [`EmbedError::MissingFile`].
pub(crate) fn required_file(dir: &Path, name: &str) -> Result<std::path::PathBuf, EmbedError> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(EmbedError::MissingFile {
            dir: dir.to_path_buf(),
            file: name.to_string(),
        })
    }
}

/// Reads `config.json`, refusing architectures the BERT code would run wrongly.
pub(crate) fn read_bert_config(dir: &Path) -> Result<Config, EmbedError> {
    let path = required_file(dir, "config.json")?;
    let mut value: serde_json::Value = read_json(&path)?;
    let field = |value: &serde_json::Value, key: &str| {
        value.get(key).and_then(|v| v.as_str()).map(str::to_string)
    };
    if let Some(model_type) = field(&value, "model_type") {
        // RoBERTa-like models differ in position ids; running them as BERT gives wrong vectors.
        if model_type != "bert" {
            return Err(EmbedError::UnsupportedModel(format!(
                "{} 中的 model_type 为 {model_type:?}（只支持 \"bert\"）",
                path.display()
            )));
        }
    }
    if let Some(kind) = field(&value, "position_embedding_type")
        && kind != "absolute"
    {
        return Err(EmbedError::UnsupportedModel(format!(
            "position_embedding_type 为 {kind:?}（只支持 \"absolute\"）"
        )));
    }
    // candle spells the tanh approximation differently from transformers.
    let act = match field(&value, "hidden_act").as_deref() {
        Some("gelu") | None => "gelu",
        Some("gelu_new" | "gelu_pytorch_tanh" | "gelu_fast") => "geluapproximate",
        Some("relu") => "relu",
        Some(other) => {
            return Err(EmbedError::UnsupportedModel(format!(
                "{} 中的 hidden_act 为 {other:?}，不受支持",
                path.display()
            )));
        }
    };
    value["hidden_act"] = act.into();
    serde_json::from_value(value).map_err(|error| EmbedError::InvalidConfig {
        path,
        message: error.to_string(),
    })
}

/// A [`VarBuilder`] over the directory's weights, rooted where the BERT `embeddings` and
/// `encoder` tensors live whatever prefix the checkpoint uses (`bert.` for pre-training heads,
/// none for a bare `BertModel`).
pub(crate) fn load_weights(dir: &Path, device: &Device) -> Result<VarBuilder<'static>, EmbedError> {
    let safetensors = dir.join(SAFETENSORS);
    let pytorch = dir.join(PYTORCH);
    let (vb, names): (VarBuilder<'static>, Vec<String>) = if safetensors.is_file() {
        // SAFETY: the file is memory-mapped read-only; it must not be truncated or rewritten
        // while the encoder lives, which holds for model directories that are only read.
        let tensors = unsafe { candle_core::safetensors::MmapedSafetensors::new(&safetensors)? };
        let names = tensors
            .tensors()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let vb = VarBuilder::from_backend(Box::new(tensors), DType::F32, device.clone());
        (vb, names)
    } else if pytorch.is_file() {
        let tensors = candle_core::pickle::PthTensors::new(&pytorch, None)?;
        let names = tensors.tensor_infos().keys().cloned().collect();
        let vb = VarBuilder::from_backend(Box::new(tensors), DType::F32, device.clone());
        (vb, names)
    } else {
        return Err(EmbedError::MissingFile {
            dir: dir.to_path_buf(),
            file: format!("{SAFETENSORS} 或 {PYTORCH}"),
        });
    };

    let prefix = names
        .iter()
        .filter_map(|name| name.strip_suffix(WORD_EMBEDDINGS))
        // Shortest first so `bert.` wins over any nested copy of the embeddings.
        .min_by_key(|prefix| prefix.len())
        .map(|prefix| prefix.trim_end_matches('.').to_string())
        .ok_or_else(|| {
            EmbedError::UnsupportedModel(format!("权重中没有 {WORD_EMBEDDINGS} 张量"))
        })?;
    // Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta.
    let vb = if names.iter().any(|name| name.ends_with("LayerNorm.gamma")) {
        vb.rename_f(|name: &str| {
            name.replace("LayerNorm.weight", "LayerNorm.gamma")
                .replace("LayerNorm.bias", "LayerNorm.beta")
        })
    } else {
        vb
    };
    Ok(if prefix.is_empty() { vb } else { vb.pp(prefix) })
}
