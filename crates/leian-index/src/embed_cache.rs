//! A persistent cache of passage embeddings keyed by (model fingerprint, passage text hash), so an
//! interrupted or repeated build never recomputes finished work.

use crate::IndexError;
use sha2::{Digest, Sha256};
use std::path::Path;

/// SQLite file of cached vectors for one model.
pub struct EmbeddingCache {
    db: rusqlite::Connection,
    model: String,
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> IndexError + '_ {
    move |e| IndexError::Invalid(format!("向量缓存 {}：{e}", path.display()))
}

impl EmbeddingCache {
    /// Opens (creating) the cache file for vectors of `model` (a fingerprint of its weights).
    pub fn open(path: &Path, model: &str) -> Result<Self, IndexError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| IndexError::io(parent, e))?;
        }
        let db = rusqlite::Connection::open(path).map_err(sqlite(path))?;
        // Another leian (an index build beside an evaluation) may hold the write lock for a moment.
        db.busy_timeout(std::time::Duration::from_secs(60))
            .map_err(sqlite(path))?;
        db.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID;",
        )
        .map_err(sqlite(path))?;
        Ok(EmbeddingCache {
            db,
            model: model.to_string(),
        })
    }

    fn key(&self, text: &str) -> Vec<u8> {
        let mut hasher = Sha256::new();
        hasher.update(self.model.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.finalize()[..16].to_vec()
    }

    /// The cached vector of each text, `None` where it is missing.
    pub fn get_many(&self, texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, IndexError> {
        let error = |e: rusqlite::Error| IndexError::Invalid(format!("向量缓存出错：{e}"));
        let mut query = self
            .db
            .prepare_cached("SELECT vector FROM vectors WHERE key = ?1")
            .map_err(error)?;
        texts
            .iter()
            .map(|text| {
                let blob: Option<Vec<u8>> =
                    match query.query_row([self.key(text)], |row| row.get(0)) {
                        Ok(blob) => Some(blob),
                        Err(rusqlite::Error::QueryReturnedNoRows) => None,
                        Err(e) => return Err(error(e)),
                    };
                Ok(blob.map(|b| {
                    b.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect()
                }))
            })
            .collect()
    }

    /// Stores vectors in one transaction (a killed build keeps every batch committed before).
    pub fn put_many(&mut self, entries: &[(&str, &[f32])]) -> Result<(), IndexError> {
        let error = |e: rusqlite::Error| IndexError::Invalid(format!("向量缓存出错：{e}"));
        let keys: Vec<Vec<u8>> = entries.iter().map(|(text, _)| self.key(text)).collect();
        let tx = self.db.transaction().map_err(error)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?1, ?2)")
                .map_err(error)?;
            for (key, (_, vector)) in keys.iter().zip(entries) {
                let blob: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
                insert
                    .execute(rusqlite::params![key, blob])
                    .map_err(error)?;
            }
        }
        tx.commit().map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_survive_reopening_and_models_do_not_mix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let mut cache = EmbeddingCache::open(&path, "model-a").unwrap();
        cache
            .put_many(&[("盗窃", &[1.0, 2.0]), ("诈骗", &[3.0, 4.0])])
            .unwrap();
        drop(cache);
        let cache = EmbeddingCache::open(&path, "model-a").unwrap();
        let got = cache.get_many(&["诈骗", "抢劫"]).unwrap();
        assert_eq!(got, vec![Some(vec![3.0, 4.0]), None]);
        let other = EmbeddingCache::open(&path, "model-b").unwrap();
        assert_eq!(other.get_many(&["诈骗"]).unwrap(), vec![None]);
    }
}
