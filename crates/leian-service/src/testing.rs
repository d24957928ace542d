//! Test fixtures: a store in memory and a service over it.

use crate::request::ResearchRequest;
use crate::service::Service;
use chrono::NaiveDate;
use leian_core::{
    Authority, Candidate, CorpusStats, FieldBoosts, StatuteCatalog, Store, StoreError,
};
use leian_core::{Document, Filters, Judgment};
use leian_legal::CourtContext;
use leian_legal::authority::Tier;
use leian_search::{Engine, SearchConfig};
use leian_text::analyzer;
use std::collections::HashSet;
use std::sync::Arc;

/// Documents in memory; lexical search counts distinct query terms in the facts.
pub(crate) struct MemoryStore(pub Vec<Document>);

impl Store for MemoryStore {
    fn lexical(
        &self,
        terms: &[(String, f32)],
        _boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let mut found: Vec<Candidate> = self
            .0
            .iter()
            .filter(|d| filters.kind().is_none_or(|k| k == d.kind()))
            .filter_map(|d| {
                let text = match d {
                    Document::Judgment(j) => j.facts.clone(),
                    Document::Statute(s) => s.text.clone(),
                };
                let words: HashSet<String> = analyzer()
                    .terms(&text)
                    .into_iter()
                    .map(|t| t.text)
                    .collect();
                let score = terms.iter().filter(|(t, _)| words.contains(t)).count() as f32;
                (score > 0.0).then(|| Candidate {
                    id: d.id().to_string(),
                    score,
                })
            })
            .collect();
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        found.truncate(limit);
        Ok(found)
    }

    fn dense(&self, _: &[f32], _: &Filters, _: usize) -> Result<Vec<Candidate>, StoreError> {
        Ok(Vec::new())
    }

    fn dense_model(&self) -> Option<String> {
        None
    }

    fn document(&self, id: &str) -> Result<Option<Document>, StoreError> {
        Ok(self.0.iter().find(|d| d.id() == id).cloned())
    }

    fn document_frequency(&self, _: &str, _: &str) -> Result<(u64, u64), StoreError> {
        Ok((0, 0))
    }

    fn stats(&self) -> CorpusStats {
        CorpusStats::default()
    }

    fn statute_catalog(&self) -> Result<Arc<StatuteCatalog>, StoreError> {
        Err(StoreError::Failed("no catalog in memory".into()))
    }
}

/// Three theft judgments (facts from the shared corpus, CAIL2018 style): an ordinary one of
/// the requesting court, a guiding case, and an unrelated civil judgment.
pub(crate) fn service() -> Service {
    let theft = |id: &str, authority, court: &str, year| {
        Document::Judgment(Judgment {
            id: id.into(),
            title: Some(format!("{id} 盗窃案")),
            domain: Some(leian_core::Domain::Criminal),
            causes: vec!["盗窃罪".into()],
            facts: "公诉机关指控，2016年5月间，被告人王某在某小区先后三次入户盗窃，窃得现金人民币3000元及手机一部。被告人王某到案后如实供述自己的罪行。".into(),
            reasoning: Some("本院认为，被告人王某以非法占有为目的，多次入户盗窃他人财物，数额较大，其行为已构成盗窃罪。被告人到案后如实供述，依法可以从轻处罚。".into()),
            result: Some("判决如下：被告人王某犯盗窃罪，判处有期徒刑一年，并处罚金人民币三千元。".into()),
            court: Some(court.into()),
            year: Some(year),
            authority,
            ..Judgment::default()
        })
    };
    let store = MemoryStore(vec![
        theft(
            "a-ordinary",
            Authority::Ordinary,
            "北京市西城区人民法院",
            2023,
        ),
        theft("b-guiding", Authority::Guiding, "最高人民法院", 2015),
        Document::Judgment(Judgment {
            id: "c-civil".into(),
            causes: vec!["民间借贷纠纷".into()],
            facts: "原告诉称，被告向原告借款人民币5万元，到期未还。".into(),
            ..Judgment::default()
        }),
    ]);
    Service::from_engine(
        Engine::new(Arc::new(store), SearchConfig::default()),
        "memory",
    )
}

#[test]
fn research_orders_by_authority_and_explains() {
    let mut request = ResearchRequest::new(
        "被告人张某于2024年3月多次入户盗窃，窃得现金人民币2500元，到案后如实供述。",
    );
    request.linking = false;
    request.court = Some(CourtContext::of_court("北京市西城区人民法院"));
    request.today = NaiveDate::from_ymd_opt(2024, 6, 30);
    let research = service().research(&request).unwrap();
    let ids: Vec<&str> = research
        .judgments
        .iter()
        .map(|h| h.hit.id.as_str())
        .collect();
    assert_eq!(ids[..2], ["b-guiding", "a-ordinary"], "{ids:?}");
    assert_eq!(research.judgments[0].authority.tier, Tier::Guiding);
    assert_eq!(research.judgments[1].authority.tier, Tier::SuperiorOrOwn);
    let explanation = &research.judgments[1].explanation;
    assert!(
        explanation
            .shared_elements
            .iter()
            .any(|e| e.name == "盗窃罪"),
        "{explanation:?}"
    );
    assert!(explanation.reasoning_excerpt.is_some());
    assert!(explanation.result_excerpt.is_some());
    assert_eq!(
        research
            .outcome
            .as_ref()
            .unwrap()
            .distribution
            .criminal_judgments,
        2
    );
    assert!(research.statutes.is_empty());
    assert!(research.analysis.charges.iter().any(|c| c.name == "盗窃罪"));
    assert_eq!(
        research.today,
        NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
    );
}

/// Issue 12: work past its deadline stops and says so, instead of answering late or partly.
#[test]
fn work_past_its_deadline_stops() {
    use leian_core::deadline::{self, DeadlineExceeded};
    use std::time::{Duration, Instant};
    let service = service();
    // Analysing this takes far longer than the deadline, which has already passed.
    let long = "被告人王某多次入户盗窃，窃得现金，构成盗窃罪。".repeat(20_000);
    let mut request = ResearchRequest::new(long.clone());
    request.mode = leian_search::Mode::Bm25;
    let started = Instant::now();
    let unbounded = service.research(&request);
    let unbounded_took = started.elapsed();
    assert!(unbounded.is_ok());
    let past = Instant::now() - Duration::from_millis(1);
    let started = Instant::now();
    let stopped = deadline::within(past, || service.research(&request));
    let stopped_took = started.elapsed();
    assert!(
        matches!(
            stopped,
            Err(crate::ServiceError::DeadlineExceeded(DeadlineExceeded))
        ),
        "{stopped:?}"
    );
    assert!(
        stopped_took < unbounded_took,
        "{stopped_took:?} vs {unbounded_took:?}"
    );
}
