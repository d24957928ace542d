//! `leian.toml`: the server's configuration file. Command-line flags override it; API keys may
//! also come from the `LEIAN_API_KEYS` environment variable (added to the file's).
//!
//! ```toml
//! index = "/var/lib/leian/index"
//! addr = "0.0.0.0:8080"
//! body_limit = 1048576
//! timeout_secs = 10
//! queue_wait_ms = 500
//! cors_origins = ["https://wps.court.example"]
//! log_queries = false
//!
//! [[keys]]
//! name = "wps-plugin"
//! hash = "sha256:…"          # from `leian keys new`
//! scope = "read"
//! rate_per_minute = 600
//! ```

use crate::auth::KeyConfig;
use axum::http::HeaderValue;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Environment variable with extra API keys: `name:scope:sha256:HEX[:rate]`, comma-separated.
pub const KEYS_ENV: &str = "LEIAN_API_KEYS";

/// The configuration file, every field optional.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Index snapshot folder.
    pub index: Option<PathBuf>,
    /// Listening address; anything but loopback needs API keys.
    pub addr: Option<String>,
    /// Largest request body in bytes.
    pub body_limit: Option<usize>,
    /// Longest a request may take, in seconds.
    pub timeout_secs: Option<u64>,
    /// Longest a request may wait for a worker, in milliseconds (503 `overloaded` after).
    pub queue_wait_ms: Option<u64>,
    /// Origins allowed to call the API from a browser (drafting plugins' task panes).
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Log fact summaries at debug level. Off by default: they are personal data.
    #[serde(default)]
    pub log_queries: bool,
    /// Compute dense vectors in the background when the index has none, then switch to hybrid.
    #[serde(default)]
    pub embed_in_background: Option<bool>,
    /// Embedding model for background embedding (a cached model name or a model folder).
    pub model: Option<String>,
    /// The SQLite file of the batch jobs (default: `<index>.batches.sqlite` beside the index).
    pub batch_store: Option<PathBuf>,
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
}

impl ServerConfig {
    pub fn read(path: &Path) -> Result<ServerConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "无法读取 {}：{}",
                path.display(),
                leian_core::messages::io_error(&e)
            )
        })?;
        toml::from_str(&text)
            .map_err(|e| format!("{}：{}", path.display(), toml_message(&text, &e)))
    }
}

/// A TOML error in Chinese: where it is (line and column, 1-based) and what is wrong.
fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let message = leian_core::messages::json_message(error.message().trim());
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            format!("第 {line} 行第 {column} 列：{message}")
        }
        None => message,
    }
}

/// Parses the keys of `LEIAN_API_KEYS` (comma- or whitespace-separated compact entries).
pub fn keys_from_env(value: &str) -> Result<Vec<KeyConfig>, String> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(|entry| KeyConfig::parse_compact(entry).map_err(|e| format!("{KEYS_ENV}: {e}")))
        .collect()
}

/// Checks CORS origins: `scheme://host[:port]` exactly as browsers send them, no wildcard.
pub fn parse_origins(origins: &[String]) -> Result<Vec<HeaderValue>, String> {
    origins
        .iter()
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .ok_or_else(|| format!("CORS 来源“{origin}”必须以 https:// 或 http:// 开头"))?;
            if rest.is_empty() || rest.contains(['/', '*', ' ', '?', '#']) {
                return Err(format!(
                    "CORS 来源“{origin}”必须是 scheme://host[:port] 形式，不得含路径或通配符"
                ));
            }
            HeaderValue::from_str(origin)
                .map_err(|_| format!("CORS 来源“{origin}”含有非 ASCII 字符"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Scope, hash_key};

    #[test]
    fn a_full_file_parses_and_unknown_keys_are_errors() {
        let text = format!(
            r#"
index = "/srv/index"
addr = "0.0.0.0:8080"
body_limit = 2048
timeout_secs = 5
queue_wait_ms = 3000
cors_origins = ["https://wps.court.example"]
[[keys]]
name = "plugin"
hash = "{}"
scope = "read"
rate_per_minute = 60
"#,
            hash_key("k")
        );
        let config: ServerConfig = toml::from_str(&text).unwrap();
        assert_eq!(config.index.as_deref(), Some(Path::new("/srv/index")));
        assert_eq!(config.queue_wait_ms, Some(3000));
        assert_eq!(config.keys[0].scope, Scope::Read);
        assert_eq!(config.keys[0].rate_per_minute, Some(60));
        assert!(toml::from_str::<ServerConfig>("prot = 1").is_err());
        let error = toml::from_str::<ServerConfig>("index = \"/srv\"\nprot = 1").unwrap_err();
        assert_eq!(
            toml_message("index = \"/srv\"\nprot = 1", &error),
            "第 2 行第 1 列：未知字段 `prot`（可用字段：`index`、`addr`、`body_limit`、`timeout_secs`、`queue_wait_ms`、`cors_origins`、`log_queries`、`embed_in_background`、`model`、`batch_store`、`keys`）"
        );
        assert!(toml::from_str::<ServerConfig>("body_limit = \"big\"").is_err());
    }

    #[test]
    fn env_keys_and_origins_are_checked() {
        let hash = hash_key("k");
        let keys = keys_from_env(&format!("a:read:{hash}, b:admin:{hash}:30")).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].scope, Scope::Admin);
        assert!(keys_from_env("nonsense").is_err());
        assert!(parse_origins(&["https://a.example:8443".into()]).is_ok());
        for bad in [
            "*",
            "https://*.example",
            "a.example",
            "https://a.example/path",
            "https://",
        ] {
            assert!(parse_origins(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
