//! Combining ranked lists: reciprocal-rank fusion, a normalised-score weighted sum, and a re-rank
//! by the causes of action / charges that the best candidates agree on.

use std::collections::HashMap;

/// A ranked list of (id, score), best first.
pub type Ranked = Vec<(String, f32)>;

/// Reciprocal-rank fusion: Σ 1 / (k + rank) over the lists a document appears in.
pub fn reciprocal_rank_fusion(lists: &[&Ranked], k: f32) -> Ranked {
    let mut scores: HashMap<&str, f32> = HashMap::new();
    for list in lists {
        for (rank, (id, _)) in list.iter().enumerate() {
            *scores.entry(id.as_str()).or_default() += 1.0 / (k + rank as f32 + 1.0);
        }
    }
    sorted(scores)
}

/// Weighted sum of min-max normalised scores; a document missing from a list gets 0 there.
pub fn weighted_sum(lexical: &Ranked, dense: &Ranked, dense_weight: f32) -> Ranked {
    let mut scores: HashMap<&str, f32> = HashMap::new();
    for (list, weight) in [(lexical, 1.0 - dense_weight), (dense, dense_weight)] {
        let (min, max) = list
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), (_, s)| {
                (lo.min(*s), hi.max(*s))
            });
        let span = (max - min).max(f32::EPSILON);
        for (id, score) in list.iter() {
            *scores.entry(id.as_str()).or_default() += weight * (score - min) / span;
        }
    }
    sorted(scores)
}

fn sorted(scores: HashMap<&str, f32>) -> Ranked {
    let mut ranked: Ranked = scores
        .into_iter()
        .map(|(id, s)| (id.to_string(), s))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// Re-ranks by agreement on causes: the `top` best candidates vote for their causes (weight
/// 1/rank, shared among a document's causes); every candidate then gains `weight` × the vote
/// share of its best-supported cause, on top of its score scaled to 0..1.
pub fn cause_rerank(
    ranked: Ranked,
    causes: &HashMap<String, Vec<String>>,
    top: usize,
    weight: f32,
) -> Ranked {
    if ranked.is_empty() || weight <= 0.0 {
        return ranked;
    }
    let mut votes: HashMap<&str, f32> = HashMap::new();
    let mut total = 0.0;
    for (rank, (id, _)) in ranked.iter().take(top).enumerate() {
        let Some(list) = causes.get(id).filter(|l| !l.is_empty()) else {
            continue;
        };
        let vote = 1.0 / (rank as f32 + 1.0);
        total += vote;
        for cause in list {
            *votes.entry(cause.as_str()).or_default() += vote / list.len() as f32;
        }
    }
    if total == 0.0 {
        return ranked;
    }
    let max = ranked
        .iter()
        .map(|(_, s)| *s)
        .fold(f32::NEG_INFINITY, f32::max)
        .max(f32::EPSILON);
    let mut rescored: Ranked = ranked
        .into_iter()
        .map(|(id, score)| {
            let support = causes
                .get(&id)
                .into_iter()
                .flatten()
                .map(|c| votes.get(c.as_str()).copied().unwrap_or(0.0) / total)
                .fold(0.0, f32::max);
            (id, score / max + weight * support)
        })
        .collect();
    rescored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rescored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, f32)]) -> Ranked {
        items.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    fn ids(ranked: &Ranked) -> Vec<&str> {
        ranked.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn rrf_rewards_agreement() {
        let a = list(&[("x", 9.0), ("y", 5.0), ("z", 1.0)]);
        let b = list(&[("y", 0.9), ("w", 0.8)]);
        assert_eq!(ids(&reciprocal_rank_fusion(&[&a, &b], 60.0))[0], "y");
    }

    #[test]
    fn weighted_sum_normalises_each_list() {
        let a = list(&[("x", 100.0), ("y", 50.0)]);
        let b = list(&[("y", 0.9), ("x", 0.1)]);
        let fused = weighted_sum(&a, &b, 0.5);
        assert_eq!(fused.len(), 2);
        assert!((fused[0].1 - 1.0).abs() < 1e-6 || (fused[1].1 - 0.5).abs() < 1e-6);
        let dense_heavy = weighted_sum(&a, &b, 0.9);
        assert_eq!(ids(&dense_heavy)[0], "y");
    }

    #[test]
    fn cause_rerank_lifts_the_majority_cause() {
        let ranked = list(&[("a", 1.0), ("b", 0.99), ("c", 0.98), ("d", 0.97)]);
        let causes: HashMap<String, Vec<String>> = [
            ("a", "盗窃罪"),
            ("b", "诈骗罪"),
            ("c", "诈骗罪"),
            ("d", "诈骗罪"),
        ]
        .iter()
        .map(|(id, c)| (id.to_string(), vec![c.to_string()]))
        .collect();
        let reranked = cause_rerank(ranked.clone(), &causes, 4, 0.5);
        assert_eq!(ids(&reranked)[0], "b");
        assert_eq!(ids(&cause_rerank(ranked, &causes, 4, 0.0))[0], "a");
    }
}
