//! API keys: hashed at rest, sent as `Authorization: Bearer KEY`, each with a scope (`read` or
//! `admin`, admin includes read) and its own rate limit.
//!
//! Keys are 256-bit random strings, so a plain SHA-256 is enough to store them: a slow password
//! hash only matters for guessable secrets. The server never holds a key in clear after start-up.

use crate::AppState;
use crate::error::{ApiError, code};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::num::NonZeroU32;

/// Requests a minute a key may send when its entry names no limit.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 600;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Search, documents, citation check, reports, readiness and metrics.
    Read,
    /// Everything, and `/v1/admin/*` (reload).
    Admin,
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "admin" => Ok(Scope::Admin),
            other => Err(format!("未知的权限范围“{other}”（应为 read 或 admin）")),
        }
    }
}

/// One key as configured: in `leian.toml` (`[[keys]]`) or in `LEIAN_API_KEYS`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Who holds it (logged instead of the key), e.g. `wps-plugin`.
    pub name: String,
    /// `sha256:` and the hex SHA-256 of the key, as `leian keys new` prints it.
    pub hash: String,
    pub scope: Scope,
    /// Requests a minute (burst included); default [`DEFAULT_RATE_PER_MINUTE`].
    #[serde(default)]
    pub rate_per_minute: Option<u32>,
}

impl KeyConfig {
    /// Parses the compact form used in `LEIAN_API_KEYS`: `name:scope:sha256:HEX[:rate]`.
    pub fn parse_compact(entry: &str) -> Result<KeyConfig, String> {
        let parts: Vec<&str> = entry.trim().split(':').collect();
        let (name, scope, algorithm, digest, rate) = match parts.as_slice() {
            [name, scope, algorithm, digest] => (name, scope, algorithm, digest, None),
            [name, scope, algorithm, digest, rate] => {
                let rate: u32 = rate
                    .parse()
                    .map_err(|_| format!("密钥“{name}”：速率“{rate}”不是整数"))?;
                (name, scope, algorithm, digest, Some(rate))
            }
            _ => {
                return Err(format!(
                    "{} 不符合 name:scope:sha256:HEX[:rate_per_minute] 格式",
                    redact(entry)
                ));
            }
        };
        Ok(KeyConfig {
            name: name.to_string(),
            hash: format!("{algorithm}:{digest}"),
            scope: scope.parse()?,
            rate_per_minute: rate,
        })
    }
}

/// Shows only the shape of a malformed entry: it may be a key pasted by mistake.
fn redact(entry: &str) -> String {
    format!("<{} 个字符>", entry.chars().count())
}

/// The configured keys, by digest.
#[derive(Default)]
pub struct KeyRing {
    keys: HashMap<[u8; 32], Key>,
}

struct Key {
    name: String,
    scope: Scope,
    limiter: DefaultDirectRateLimiter,
}

impl KeyRing {
    /// Checks every entry (digest format, unique names and digests, positive rates).
    pub fn new(configs: &[KeyConfig]) -> Result<KeyRing, String> {
        let mut keys = HashMap::new();
        let mut names = std::collections::HashSet::new();
        for config in configs {
            if config.name.trim().is_empty() {
                return Err("有一项 API 密钥的名称为空".to_string());
            }
            if !names.insert(config.name.as_str()) {
                return Err(format!("有两个 API 密钥都名为“{}”", config.name));
            }
            let digest = parse_digest(&config.hash)
                .map_err(|e| format!("API 密钥“{}”：{e}", config.name))?;
            let rate = config.rate_per_minute.unwrap_or(DEFAULT_RATE_PER_MINUTE);
            let rate = NonZeroU32::new(rate)
                .ok_or_else(|| format!("API 密钥“{}”：rate_per_minute 必须为正数", config.name))?;
            let key = Key {
                name: config.name.clone(),
                scope: config.scope,
                limiter: RateLimiter::direct(Quota::per_minute(rate)),
            };
            if keys.insert(digest, key).is_some() {
                return Err(format!("API 密钥“{}”与另一密钥的哈希相同", config.name));
            }
        }
        Ok(KeyRing { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

fn parse_digest(hash: &str) -> Result<[u8; 32], String> {
    let hex_digest = hash
        .strip_prefix("sha256:")
        .ok_or("哈希必须以“sha256:”开头（见 `leian keys new`）")?;
    let bytes = hex::decode(hex_digest).map_err(|_| "哈希不是十六进制数")?;
    bytes
        .try_into()
        .map_err(|_| "SHA-256 哈希应为 64 位十六进制数".to_string())
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The stored form of `key`: `sha256:HEX`.
pub fn hash_key(key: &str) -> String {
    format!("sha256:{}", hex::encode(digest(key)))
}

/// A new random key (`leian_` and 64 hex digits, 256 bits from the OS).
pub fn generate_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(format!("leian_{}", hex::encode(bytes)))
}

/// Who made a request, for the logs (never the key itself).
#[derive(Debug, Clone)]
pub struct Caller(pub String);

/// Marks a response to a request without a valid key: metrics count it without labels, so
/// that strangers cannot add series.
#[derive(Debug, Clone, Copy)]
pub struct Unauthenticated;

/// The token of an `Authorization: Bearer TOKEN` value. The scheme name is case-insensitive
/// (RFC 9110 §11.1): clients that send `bearer` were refused.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The scope a path needs; `None` for the public ones.
/// The scope a group of routes requires, with the state the check reads: each route is
/// registered under the scope it needs (`lib.rs::router`), nothing is inferred from paths.
#[derive(Clone)]
pub struct RouteScope {
    pub state: AppState,
    pub needed: Scope,
}

/// Middleware: checks the bearer key, its scope and its rate limit. With no keys configured the
/// server is in development mode (loopback only, see `lib.rs`) and lets every request through.
pub async fn authorize(
    State(RouteScope { state, needed }): State<RouteScope>,
    mut request: Request,
    next: Next,
) -> Response {
    let keys = state.keys();
    if keys.is_empty() {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let Some(presented) = presented.filter(|k| !k.is_empty()) else {
        return unauthorized(
            code::MISSING_API_KEY,
            "此接口需要 API 密钥：请发送 Authorization: Bearer KEY",
        );
    };
    let Some(key) = keys.keys.get(&digest(presented)) else {
        return unauthorized(code::INVALID_API_KEY, "API 密钥无效");
    };
    if key.scope < needed {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            format!("密钥“{}”只有 read 权限，此接口需要 admin 权限", key.name),
        )
        .into_response();
    }
    if let Err(not_until) = key.limiter.check() {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let seconds = wait.as_secs() + 1;
        state.metrics().rate_limited(&key.name);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            code::RATE_LIMITED,
            format!("密钥“{}”请求过于频繁，请 {seconds} 秒后重试", key.name),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return response;
    }
    let caller = Caller(key.name.clone());
    request.extensions_mut().insert(caller.clone());
    let mut response = next.run(request).await;
    // For the request log, which runs outside this middleware.
    response.extensions_mut().insert(caller);
    response
}

fn unauthorized(code: &'static str, message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, code, message).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response.extensions_mut().insert(Unauthenticated);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_entries_parse_and_bad_ones_do_not_echo_the_entry() {
        let hash = hash_key("secret");
        let entry = format!("plugin:read:{hash}:120");
        let config = KeyConfig::parse_compact(&entry).unwrap();
        assert_eq!(config.name, "plugin");
        assert_eq!(config.scope, Scope::Read);
        assert_eq!(config.rate_per_minute, Some(120));
        assert_eq!(config.hash, hash);
        let error = KeyConfig::parse_compact("leian_0123456789abcdef").unwrap_err();
        assert!(!error.contains("0123456789"), "{error}");
        assert!(KeyConfig::parse_compact(&format!("a:owner:{hash}")).is_err());
    }

    #[test]
    fn key_rings_reject_bad_entries() {
        let good = KeyConfig {
            name: "a".into(),
            hash: hash_key("k1"),
            scope: Scope::Read,
            rate_per_minute: None,
        };
        assert_eq!(KeyRing::new(std::slice::from_ref(&good)).unwrap().len(), 1);
        let same_name = KeyConfig {
            hash: hash_key("k2"),
            ..good.clone()
        };
        assert!(KeyRing::new(&[good.clone(), same_name]).is_err());
        let same_hash = KeyConfig {
            name: "b".into(),
            ..good.clone()
        };
        assert!(KeyRing::new(&[good.clone(), same_hash]).is_err());
        for hash in ["k1", "sha256:zz", "sha256:abcd", "md5:00"] {
            let bad = KeyConfig {
                hash: hash.into(),
                ..good.clone()
            };
            assert!(KeyRing::new(&[bad]).is_err(), "{hash}");
        }
        let zero = KeyConfig {
            rate_per_minute: Some(0),
            ..good
        };
        assert!(KeyRing::new(&[zero]).is_err());
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in ["Bearer k", "bearer k", "BEARER  k ", " Bearer k"] {
            assert_eq!(bearer_token(value), Some("k"), "{value:?}");
        }
        for value in ["Basic k", "Bearerk", "k", ""] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
    }

    #[test]
    fn generated_keys_are_random_and_hash_stably() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "leian_".len() + 64);
        assert_eq!(hash_key(&a), hash_key(&a));
        assert!(parse_digest(&hash_key(&a)).is_ok());
    }

    /// Which routes need which scope is in `router` and checked through HTTP in
    /// `tests/operations.rs`; here only that admin includes read.
    #[test]
    fn admin_includes_read() {
        assert!(Scope::Admin > Scope::Read);
    }
}
