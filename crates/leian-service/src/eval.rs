//! Retrieval evaluation on `queries.jsonl` + TREC `qrels`, with trec_eval's definitions of
//! Recall@k, P@10, MRR@10 (recip_rank cut at 10), nDCG@10 (ndcg_cut_10) and MAP.

use crate::error::ServiceError;
use crate::research::Stage;
use chrono::NaiveDate;
use leian_core::{Filters, Kind};
use leian_search::{Mode, SearchError, SearchRequest};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

/// A query of an evaluation set.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    pub id: String,
    pub text: String,
}

/// Relevance judgments: query id → document id → grade (> 0 is relevant).
pub type Qrels = HashMap<String, HashMap<String, u32>>;

/// Why an evaluation set cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn read_text(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads `{"id", "text"}` lines.
pub fn read_queries(path: &Path) -> Result<Vec<EvalQuery>, EvalError> {
    read_jsonl(path, "{\"id\", \"text\"}")
}

/// Reads one JSON object per non-empty line; `shape` names the fields in the error.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(
    path: &Path,
    shape: &str,
) -> Result<Vec<T>, EvalError> {
    let text = read_text(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| EvalError::Format {
                path: format!("{}:{}", path.display(), i + 1),
                message: format!("应为 {shape}：{e}"),
            })
        })
        .collect()
}

/// Reads TREC qrels lines `QID ITER DOCID REL`.
pub fn read_qrels(path: &Path) -> Result<Qrels, EvalError> {
    let text = read_text(path)?;
    let mut qrels: Qrels = HashMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let bad = |message: &str| EvalError::Format {
            path: format!("{}:{}", path.display(), i + 1),
            message: message.into(),
        };
        let [qid, _, doc, rel] = parts[..] else {
            return Err(bad("应为 `QID 0 DOCID REL` 格式"));
        };
        let rel: i64 = rel.parse().map_err(|_| bad("相关度不是整数"))?;
        qrels
            .entry(qid.to_string())
            .or_default()
            .insert(doc.to_string(), rel.max(0) as u32);
    }
    Ok(qrels)
}

/// The metrics, under the names `leian eval --json` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    #[serde(rename = "R@5")]
    pub recall_5: f64,
    #[serde(rename = "R@10")]
    pub recall_10: f64,
    #[serde(rename = "R@20")]
    pub recall_20: f64,
    #[serde(rename = "MRR@10")]
    pub mrr_10: f64,
    #[serde(rename = "nDCG@10")]
    pub ndcg_10: f64,
    #[serde(rename = "MAP")]
    pub map: f64,
    #[serde(rename = "P@10")]
    pub precision_10: f64,
    /// Queries scored (those with at least one relevant document in the qrels).
    pub queries: usize,
}

/// Metrics of one ranked list against one query's judgments.
pub fn score_query(ranked: &[String], judged: &HashMap<String, u32>) -> Metrics {
    let relevant: HashSet<&str> = judged
        .iter()
        .filter(|(_, g)| **g > 0)
        .map(|(d, _)| d.as_str())
        .collect();
    let n_rel = relevant.len() as f64;
    if relevant.is_empty() {
        return Metrics::default();
    }
    let is_rel = |d: &String| relevant.contains(d.as_str());
    let hits_at = |k: usize| ranked.iter().take(k).filter(|d| is_rel(d)).count() as f64;
    let mrr_10 = ranked
        .iter()
        .take(10)
        .position(is_rel)
        .map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, d)| f64::from(judged.get(d).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut grades: Vec<u32> = judged.values().copied().filter(|&g| g > 0).collect();
    grades.sort_unstable_by(|a, b| b.cmp(a));
    let ideal: f64 = grades
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, &g)| f64::from(g) / (i as f64 + 2.0).log2())
        .sum();
    let mut found = 0.0;
    let mut precision_sum = 0.0;
    for (i, d) in ranked.iter().enumerate() {
        if is_rel(d) {
            found += 1.0;
            precision_sum += found / (i as f64 + 1.0);
        }
    }
    Metrics {
        recall_5: hits_at(5) / n_rel,
        recall_10: hits_at(10) / n_rel,
        recall_20: hits_at(20) / n_rel,
        mrr_10,
        ndcg_10: if ideal > 0.0 { dcg / ideal } else { 0.0 },
        map: precision_sum / n_rel,
        precision_10: hits_at(10) / 10.0,
        queries: 1,
    }
}

/// Mean of per-query metrics.
pub fn mean(per_query: &[Metrics]) -> Metrics {
    let n = per_query.len().max(1) as f64;
    let sum = |f: fn(&Metrics) -> f64| per_query.iter().map(f).sum::<f64>() / n;
    Metrics {
        recall_5: sum(|m| m.recall_5),
        recall_10: sum(|m| m.recall_10),
        recall_20: sum(|m| m.recall_20),
        mrr_10: sum(|m| m.mrr_10),
        ndcg_10: sum(|m| m.ndcg_10),
        map: sum(|m| m.map),
        precision_10: sum(|m| m.precision_10),
        queries: per_query.len(),
    }
}

/// Maps `…第N条之X` to `…第N条` and drops the repeats that creates, keeping first ranks (the
/// CAIL-style labels of the shared sets use whole article numbers).
pub fn collapse_sub_articles(ranked: Vec<(String, f32)>) -> Vec<(String, f32)> {
    let mut seen = HashSet::new();
    ranked
        .into_iter()
        .map(|(id, score)| match id.rfind("条之") {
            Some(at) => (id[..at + "条".len()].to_string(), score),
            None => (id, score),
        })
        .filter(|(id, _)| seen.insert(id.clone()))
        .collect()
}

/// Writes a TREC run file: `QID Q0 DOCID RANK SCORE TAG`.
pub fn write_run(
    out: &mut impl Write,
    runs: &[(String, Vec<(String, f32)>)],
    tag: &str,
) -> std::io::Result<()> {
    for (qid, ranked) in runs {
        for (rank, (doc, score)) in ranked.iter().enumerate() {
            writeln!(out, "{qid} Q0 {doc} {} {score:.6} {tag}", rank + 1)?;
        }
    }
    Ok(())
}

/// What to evaluate: the set, the kind of documents, and the request each query becomes.
pub struct EvalSpec<'a> {
    pub queries: &'a [EvalQuery],
    pub kind: Kind,
    pub mode: Mode,
    /// Never count a query's own document (leave-one-out).
    pub exclude_self: bool,
    /// Statutes: rank by statute linking (the default) or by direct retrieval only.
    pub linking: bool,
    /// Judgments: where the ranking pipeline stops (default: what judges see).
    pub stage: Stage,
    pub filters: Filters,
    /// Map …第N条之X to …第N条 before scoring.
    pub collapse_sub_articles: bool,
    /// Ranked documents kept per query.
    pub depth: usize,
    /// Parallel workers; 1 measures single-query latency.
    pub workers: usize,
    /// The day that decides recency in the authority order (reproducible runs).
    pub today: NaiveDate,
}

/// One query's ranked documents and how long it took.
pub struct EvalRun {
    pub query_id: String,
    pub ranked: Vec<(String, f32)>,
    pub millis: f64,
}

impl crate::Service {
    /// Ranks every query of `spec` (in parallel), reporting each finished query to `progress`.
    pub fn evaluate(
        &self,
        spec: &EvalSpec,
        progress: &dyn crate::Progress,
    ) -> Result<Vec<EvalRun>, ServiceError> {
        parallel_map(spec.queries, spec.workers, "评测", progress, |query| {
            let started = std::time::Instant::now();
            let ranked = self.rank_query(spec, query)?;
            Ok(EvalRun {
                query_id: query.id.clone(),
                ranked,
                millis: started.elapsed().as_secs_f64() * 1000.0,
            })
        })
    }

    /// One query's ranking as `spec` asks for it.
    fn rank_query(
        &self,
        spec: &EvalSpec,
        query: &EvalQuery,
    ) -> Result<Vec<(String, f32)>, ServiceError> {
        let request = SearchRequest {
            text: query.text.clone(),
            kind: Some(spec.kind),
            mode: spec.mode,
            top_k: spec.depth,
            filters: spec.filters.clone(),
            exclude_ids: match spec.exclude_self {
                true => vec![query.id.clone()],
                false => Vec::new(),
            },
            all_terms: false,
        };
        let ranked = match (spec.kind, spec.linking) {
            (Kind::Statute, true) => self.engine.rank_linked(&request, spec.depth),
            (Kind::Statute, false) => self.engine.rank(&request, spec.depth),
            (Kind::Judgment, _) => {
                self.rank_judgments(&request, spec.depth, spec.stage, spec.today)
            }
        };
        let ranked = match ranked {
            Err(SearchError::EmptyQuery) => Vec::new(),
            other => other.map_err(|e| ServiceError::Failed(format!("查询 {}：{e}", query.id)))?,
        };
        Ok(match spec.collapse_sub_articles {
            true => collapse_sub_articles(ranked),
            false => ranked,
        })
    }
}

/// `work` over `items` on `workers` threads (contiguous chunks, results in order), each finished
/// item reported to `progress`; the first error ends the run.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    what: &str,
    progress: &dyn crate::Progress,
    work: impl Fn(&T) -> Result<R, ServiceError> + Sync,
) -> Result<Vec<R>, ServiceError> {
    progress.begin(what, Some(items.len() as u64));
    let done = std::sync::atomic::AtomicU64::new(0);
    let chunk = items.len().div_ceil(workers.clamp(1, 64)).max(1);
    let results: Result<Vec<Vec<R>>, ServiceError> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let (done, work) = (&done, &work);
                scope.spawn(move || {
                    part.iter()
                        .map(|item| {
                            let result = work(item)?;
                            let finished =
                                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                            progress.update(finished);
                            Ok(result)
                        })
                        .collect::<Result<Vec<R>, ServiceError>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ServiceError::Failed(format!("{what}线程异常退出"))))
            })
            .collect()
    });
    progress.end(&format!("{what}完成"));
    Ok(results?.into_iter().flatten().collect())
}

/// Latency percentile `p` (0..1) of sorted milliseconds.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0)
}

/// The metrics of `runs` against `qrels`: queries without a relevant document are not scored
/// (trec_eval's convention); `Metrics::queries` says how many were.
pub fn score_runs(runs: &[EvalRun], qrels: &Qrels) -> Metrics {
    let per_query: Vec<Metrics> = runs
        .iter()
        .filter_map(|run| {
            let judged = qrels
                .get(&run.query_id)
                .filter(|j| j.values().any(|&g| g > 0))?;
            let ids: Vec<String> = run.ranked.iter().map(|(id, _)| id.clone()).collect();
            Some(score_query(&ids, judged))
        })
        .collect();
    mean(&per_query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_hand_computed_trec_eval_values() {
        // Relevant: a, b, c. Ranked: x a y b (c never retrieved).
        let m = score_query(
            &ids(&["x", "a", "y", "b"]),
            &judged(&[("a", 1), ("b", 1), ("c", 1), ("z", 0)]),
        );
        assert!((m.recall_5 - 2.0 / 3.0).abs() < 1e-9);
        assert!((m.mrr_10 - 0.5).abs() < 1e-9);
        assert!((m.precision_10 - 0.2).abs() < 1e-9);
        // AP = (1/2 + 2/4) / 3
        assert!((m.map - (0.5 + 0.5) / 3.0).abs() < 1e-9);
        // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3) + 1/log2(4)
        let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 0.5;
        assert!((m.ndcg_10 - dcg / idcg).abs() < 1e-9);
    }

    #[test]
    fn mrr_is_cut_at_ten() {
        let ranked: Vec<String> = (0..11).map(|i| format!("d{i}")).collect();
        let m = score_query(&ranked, &judged(&[("d10", 1)]));
        assert_eq!(m.mrr_10, 0.0);
        assert_eq!(m.recall_20, 1.0);
    }

    #[test]
    fn sub_articles_collapse_keeping_first_rank() {
        let ranked = vec![
            ("刑法第133条之一".to_string(), 3.0),
            ("刑法第264条".to_string(), 2.0),
            ("刑法第133条".to_string(), 1.0),
        ];
        let collapsed: Vec<String> = collapse_sub_articles(ranked)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(collapsed, ["刑法第133条", "刑法第264条"]);
    }
}
