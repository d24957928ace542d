//! Judgment corpora: the Leian JSONL format (`corpus/SCHEMA.md`), LeCaRD candidate JSON and
//! CAIL2018 JSONL. The format is recognised from the records themselves.

use crate::archive::FileKind;
use crate::extract::enrich;
use crate::report::{IngestError, SourceSummary};
use leian_core::{Domain, Judgment, statute_id};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

/// The judgment formats Leian reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgmentFormat {
    Leian,
    LeCaRD,
    Cail2018,
}

impl JudgmentFormat {
    fn name(self) -> &'static str {
        match self {
            JudgmentFormat::Leian => "leian-jsonl",
            JudgmentFormat::LeCaRD => "lecard",
            JudgmentFormat::Cail2018 => "cail2018",
        }
    }

    /// Recognises a record by its keys.
    fn of(record: &Value) -> Option<Self> {
        let object = record.as_object()?;
        if object.contains_key("ajjbqk") || object.contains_key("ajId") {
            Some(JudgmentFormat::LeCaRD)
        } else if object.contains_key("fact") && object.contains_key("meta") {
            Some(JudgmentFormat::Cail2018)
        } else if object.contains_key("id")
            && (object.contains_key("facts") || object.contains_key("full_text"))
        {
            Some(JudgmentFormat::Leian)
        } else {
            None
        }
    }
}

/// LeCaRD candidate: 案件 id, name, 基本情况, 判决结果, 全文, document id and name.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct LeCaRDCandidate {
    #[serde(default)]
    ajId: Option<Value>,
    #[serde(default)]
    ajName: Option<String>,
    #[serde(default)]
    ajjbqk: Option<String>,
    #[serde(default)]
    pjjg: Option<String>,
    #[serde(default)]
    qw: Option<String>,
    #[serde(default)]
    writId: Option<Value>,
    #[serde(default)]
    writName: Option<String>,
}

#[derive(Deserialize)]
struct Cail2018Record {
    fact: String,
    meta: Cail2018Meta,
}

#[derive(Deserialize)]
struct Cail2018Meta {
    #[serde(default)]
    accusation: Vec<String>,
    #[serde(default)]
    relevant_articles: Vec<Value>,
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn convert(record: Value, format: JudgmentFormat, fallback_id: &str) -> Result<Judgment, String> {
    let mut judgment = match format {
        JudgmentFormat::Leian => {
            let judgment: Judgment =
                serde_json::from_value(strip_kind(record)?).map_err(|e| record_error(&e))?;
            judgment
        }
        JudgmentFormat::LeCaRD => {
            let c: LeCaRDCandidate =
                serde_json::from_value(record).map_err(|e| record_error(&e))?;
            let id = c
                .writId
                .as_ref()
                .or(c.ajId.as_ref())
                .and_then(id_text)
                .unwrap_or_else(|| fallback_id.to_string());
            Judgment {
                id: format!("lecard-{id}"),
                title: c.writName.or(c.ajName),
                domain: Some(Domain::Criminal),
                facts: c.ajjbqk.unwrap_or_default(),
                result: c.pjjg.filter(|r| !r.trim().is_empty()),
                full_text: c.qw.filter(|t| !t.trim().is_empty()),
                source: Some("LeCaRD".into()),
                ..Default::default()
            }
        }
        JudgmentFormat::Cail2018 => {
            let r: Cail2018Record = serde_json::from_value(record).map_err(|e| record_error(&e))?;
            let causes = r.meta.accusation.iter().map(|a| charge_name(a)).collect();
            let cited_articles = r
                .meta
                .relevant_articles
                .iter()
                .filter_map(id_text)
                .map(|n| statute_id("中华人民共和国刑法", &n))
                .collect();
            Judgment {
                id: format!("cail2018-{fallback_id}"),
                domain: Some(Domain::Criminal),
                causes,
                facts: r.fact,
                cited_articles,
                source: Some("CAIL2018".into()),
                ..Default::default()
            }
        }
    };
    if judgment.id.trim().is_empty() {
        return Err("id 为空".into());
    }
    if blank(&judgment.facts) && judgment.full_text.as_deref().is_none_or(blank) {
        return Err("没有文书内容：facts 与 full_text 均为空，或只有空白与控制字符".into());
    }
    enrich(&mut judgment);
    Ok(judgment)
}

/// Whether a text has nothing to read: only white space, control characters (a record of NUL
/// bytes) and invisible format characters (byte order marks, zero-width spaces).
fn blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
    })
}

/// CAIL2018 writes charges without the trailing 罪 and with brackets (`[伪造、变造]居民身份证`).
fn charge_name(accusation: &str) -> String {
    let name: String = accusation
        .chars()
        .filter(|c| !matches!(c, '[' | ']'))
        .collect();
    if name.ends_with('罪') {
        name
    } else {
        format!("{name}罪")
    }
}

fn strip_kind(mut record: Value) -> Result<Value, String> {
    if let Some(object) = record.as_object_mut() {
        match object.remove("kind") {
            None => {}
            Some(Value::String(kind)) if kind == "judgment" => {}
            Some(other) => return Err(format!("kind 为 {other}，应为 \"judgment\"")),
        }
    }
    Ok(record)
}

/// Files read in parallel at a time: enough to keep the cores busy, few enough that the
/// judgments waiting to be handed on in order stay a small batch.
const FILES_PER_BATCH: usize = 64;
/// Records converted in parallel at a time, for the same reasons.
const RECORDS_PER_BATCH: usize = 512;

/// What reading one file of a folder gave, before it is handed on in order.
enum FileRead {
    /// JSON records: read and converted in order by the caller.
    Records,
    Judgment(Box<Judgment>, &'static str),
    /// A document that could not be read: skipped, or with `strict` the end of the read.
    Failed(String),
    /// Not a judgment document at all: reported, even with `strict`, which is about bad
    /// judgments.
    Unsupported(String),
}

/// Records a judgment as read, refusing one already read: the same id, or the same case number
/// (a court's file and a JSONL record of one judgment carry different ids but one 案号; a file's
/// own id already tells a ruling from the judgment of its case).
fn first_sighting(seen: &mut HashSet<String>, judgment: &Judgment) -> Result<(), String> {
    let case = judgment
        .case_number
        .as_deref()
        .map(|number| format!("案号 {}", leian_text::case_key(&judgment.id, number)));
    if seen.contains(&judgment.id) || case.as_ref().is_some_and(|c| seen.contains(c)) {
        return Err(match &judgment.case_number {
            Some(number) => format!("id {} 重复（案号 {number} 的文书已读过）", judgment.id),
            None => format!("id {} 重复", judgment.id),
        });
    }
    seen.insert(judgment.id.clone());
    seen.extend(case);
    Ok(())
}

/// Reads judgments from a file or, recursively, a folder. Each file is read by what it is
/// (magic bytes first, extension second): JSON records (JSONL, or one JSON object / array; plain
/// or gzip), plain text (UTF-8, GB18030/GBK, UTF-16), Word `.docx`, HTML or PDF with a text
/// layer. In a folder, hidden files, system files and Office lock files are passed over
/// silently; files of other types are reported as skipped.
/// Bad records and unreadable documents are skipped and reported; with `strict`, the first one
/// stops the read. Duplicate ids keep the first record. Files are read in parallel and handed
/// on in path order.
pub fn read_judgments(
    path: &Path,
    strict: bool,
    seen: &mut HashSet<String>,
    on_record: &mut dyn FnMut(Judgment),
) -> Result<SourceSummary, IngestError> {
    let (root, files) = if path.is_dir() {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !crate::archive::is_ignored(&e.file_name().to_string_lossy())
            })
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        (path, files)
    } else {
        // A path named on the command line that is not there is an error, not a skip.
        std::fs::metadata(path).map_err(|e| IngestError::io(path, e))?;
        (
            path.parent().unwrap_or(Path::new("")),
            vec![path.to_path_buf()],
        )
    };
    let record_files = files
        .iter()
        .filter(|p| crate::source::is_record_file(p))
        .count();
    let mut summary = SourceSummary {
        path: path.to_path_buf(),
        ..Default::default()
    };
    let mut formats: Vec<&'static str> = Vec::new();
    for batch in files.chunks(FILES_PER_BATCH) {
        let reads: Vec<FileRead> = batch.par_iter().map(|file| read_file(root, file)).collect();
        for (file, read) in batch.iter().zip(reads) {
            match read {
                FileRead::Records => read_records(
                    file,
                    record_files,
                    strict,
                    seen,
                    on_record,
                    &mut summary,
                    &mut formats,
                )?,
                FileRead::Judgment(judgment, format) => {
                    if !formats.contains(&format) {
                        formats.push(format);
                    }
                    if let Err(reason) = first_sighting(seen, &judgment) {
                        summary.skip_repeated(strict, file, None, &judgment.id, reason)?;
                    } else {
                        summary.read += 1;
                        on_record(*judgment);
                    }
                }
                FileRead::Failed(reason) => summary.skip_or_fail(strict, file, None, reason)?,
                FileRead::Unsupported(reason) => summary.skip_or_fail(false, file, None, reason)?,
            }
        }
    }
    summary.format = formats.join("+");
    Ok(summary)
}

/// Recognises and, unless it holds JSON records, reads one file.
fn read_file(root: &Path, file: &Path) -> FileRead {
    let head = match crate::archive::head(file) {
        Ok(head) => head,
        Err(e) => {
            return FileRead::Failed(format!("无法读取：{}", leian_core::messages::io_error(&e)));
        }
    };
    let kind = crate::archive::classify(file, &head);
    match kind {
        FileKind::Records => FileRead::Records,
        FileKind::Unsupported(reason) => FileRead::Unsupported(reason),
        kind => {
            let relative = file.strip_prefix(root).unwrap_or(file);
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            match crate::archive::read_document(file, &kind, &relative) {
                Ok(judgment) => FileRead::Judgment(Box::new(judgment), kind.name()),
                Err(reason) => FileRead::Failed(reason),
            }
        }
    }
}

/// A record converted, with its format, or why not.
type Converted = Result<(Judgment, JudgmentFormat), String>;

/// Reads a file of JSON records, converting them in parallel batches and handing them on in
/// order.
fn read_records(
    file: &Path,
    record_files: usize,
    strict: bool,
    seen: &mut HashSet<String>,
    on_record: &mut dyn FnMut(Judgment),
    summary: &mut SourceSummary,
    formats: &mut Vec<&'static str>,
) -> Result<(), IngestError> {
    let stem = crate::source::record_stem(file);
    let mut records = RecordStream::open(file)?;
    loop {
        let batch: Vec<Record> = records
            .by_ref()
            .take(RECORDS_PER_BATCH)
            .collect::<Result<_, _>>()?;
        if batch.is_empty() {
            break;
        }
        let converted: Vec<(Option<usize>, Converted)> = batch
            .into_par_iter()
            .map(|(line_no, record)| {
                let converted = record.and_then(|record| {
                    let format = JudgmentFormat::of(&record).ok_or_else(|| {
                        "无法识别的记录格式（应含 Leian、LeCaRD 或 CAIL2018 格式的字段）"
                            .to_string()
                    })?;
                    let fallback_id = match line_no {
                        Some(line) if record_files <= 1 || format == JudgmentFormat::Cail2018 => {
                            format!("{stem}-{line}")
                        }
                        _ => stem.clone(),
                    };
                    convert(record, format, &fallback_id).map(|judgment| (judgment, format))
                });
                (line_no, converted)
            })
            .collect();
        for (line_no, converted) in converted {
            match converted {
                Ok((judgment, format)) => {
                    if !formats.contains(&format.name()) {
                        formats.push(format.name());
                    }
                    if let Err(reason) = first_sighting(seen, &judgment) {
                        summary.skip_repeated(strict, file, line_no, &judgment.id, reason)?;
                    } else {
                        summary.read += 1;
                        on_record(judgment);
                    }
                }
                Err(reason) => summary.skip_or_fail(strict, file, line_no, reason)?,
            }
        }
    }
    Ok(())
}

/// A record whose fields do not fit its format, in Chinese.
fn record_error(error: &serde_json::Error) -> String {
    leian_core::messages::json_message(&error.to_string())
}

/// Text that is not JSON, in Chinese.
fn json_error(error: &serde_json::Error) -> String {
    format!(
        "JSON 格式有误：{}",
        leian_core::messages::json_message(&error.to_string())
    )
}

/// Splits a file into JSON records: one JSON document (object or array of objects) or JSON lines.
/// Line numbers are 1-based; `None` when the file is one document.
fn records(bytes: &[u8]) -> Vec<(Option<usize>, Result<Value, String>)> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.first() == Some(&b'[')
        || (trimmed.first() == Some(&b'{') && !bytes.trim_ascii().contains(&b'\n'))
    {
        return match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Some(i + 1), Ok(v)))
                .collect(),
            Ok(value) => vec![(None, Ok(value))],
            Err(e) => vec![(None, Err(json_error(&e)))],
        };
    }
    if trimmed.first() == Some(&b'{') {
        // A pretty-printed single object (LeCaRD candidates are stored one per file like this).
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            return vec![(None, Ok(value))];
        }
    }
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.trim_ascii().is_empty())
        .map(|(i, line)| (Some(i + 1), parse_line(line)))
        .collect()
}

/// One line of a JSON lines file as a record.
fn parse_line(line: &[u8]) -> Result<Value, String> {
    std::str::from_utf8(line)
        .map_err(|e| format!("第 {} 字节处不是有效的 UTF-8", e.valid_up_to()))
        .and_then(|text| serde_json::from_str::<Value>(text).map_err(|e| json_error(&e)))
        .and_then(|v| {
            if v.is_object() {
                Ok(v)
            } else {
                Err("不是 JSON 对象".into())
            }
        })
}

/// A record and its 1-based line number (`None` when the file is one document).
type Record = (Option<usize>, Result<Value, String>);

/// The records of one file, read as they are needed: a JSON lines file is streamed a line at a
/// time, so memory does not grow with its length (a court's export of a million judgments is
/// gigabytes); one JSON document (an array, or an object over several lines) is read whole.
struct RecordStream {
    path: PathBuf,
    /// `None` once the file is read to its end (or was read whole).
    reader: Option<Box<dyn std::io::BufRead + Send>>,
    ready: VecDeque<Record>,
    line_number: usize,
}

impl RecordStream {
    fn open(path: &Path) -> Result<Self, IngestError> {
        use crate::source::{next_line, open_source, read_rest};
        let mut reader = open_source(path)?;
        // What was read so far, kept for a file that turns out to be one document.
        let mut head = Vec::new();
        let mut line_number = 0;
        let mut first: Option<(usize, Result<Value, String>)> = None;
        loop {
            let Some(line) = next_line(&mut *reader, path, line_number + 1)? else {
                // Blank, or a lone line: one document, as [`records`] reads it.
                return Ok(Self::whole(path, &head));
            };
            line_number += 1;
            head.extend_from_slice(&line);
            head.push(b'\n');
            if line.trim_ascii().is_empty() {
                continue;
            }
            let Some((first_number, first_record)) = first.take() else {
                let record = parse_line(&line);
                if line.trim_ascii_start().first() != Some(&b'{') || record.is_err() {
                    // An array, an object over several lines, or not JSON lines at all.
                    let whole = read_rest(&mut *reader, path, head)?;
                    return Ok(Self::whole(path, &whole));
                }
                first = Some((line_number, record));
                continue;
            };
            let ready = VecDeque::from([
                (Some(first_number), first_record),
                (Some(line_number), parse_line(&line)),
            ]);
            return Ok(RecordStream {
                path: path.to_path_buf(),
                reader: Some(reader),
                ready,
                line_number,
            });
        }
    }

    fn whole(path: &Path, bytes: &[u8]) -> Self {
        RecordStream {
            path: path.to_path_buf(),
            reader: None,
            ready: records(bytes).into(),
            line_number: 0,
        }
    }
}

impl Iterator for RecordStream {
    type Item = Result<Record, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(record) = self.ready.pop_front() {
            return Some(Ok(record));
        }
        let reader = self.reader.as_mut()?;
        loop {
            match crate::source::next_line(&mut **reader, &self.path, self.line_number + 1) {
                Ok(Some(line)) => {
                    self.line_number += 1;
                    if !line.trim_ascii().is_empty() {
                        return Some(Ok((Some(self.line_number), parse_line(&line))));
                    }
                }
                Ok(None) => {
                    self.reader = None;
                    return None;
                }
                Err(e) => {
                    self.reader = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read(path: &Path, strict: bool) -> Result<(Vec<Judgment>, SourceSummary), IngestError> {
        let mut docs = Vec::new();
        let summary = read_judgments(path, strict, &mut HashSet::new(), &mut |j| docs.push(j))?;
        Ok((docs, summary))
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../corpus/fixtures")
            .join(name)
    }

    #[test]
    fn lecard_candidates_folder() {
        let (docs, summary) = read(&fixture("lecard"), false).unwrap();
        assert_eq!(summary.format, "lecard");
        assert_eq!(docs.len(), 2, "{:?}", summary.skipped);
        let theft = docs.iter().find(|d| d.id == "lecard-1001").unwrap();
        assert_eq!(theft.causes, ["盗窃罪"]);
        assert_eq!(theft.court.as_deref(), Some("浙江省杭州市西湖区人民法院"));
        assert_eq!(theft.year, Some(2018));
        assert_eq!(theft.province.as_deref(), Some("浙"));
        assert!(
            theft
                .cited_articles
                .contains(&"中华人民共和国刑法第264条".to_string())
        );
        assert!(theft.result.as_deref().unwrap().contains("有期徒刑"));
    }

    #[test]
    fn one_case_number_is_one_judgment_across_files_and_records() {
        // The archive fixtures hold three judgments as JSONL records and again as court files.
        let (docs, summary) = read(&fixture("archive"), false).unwrap();
        let mut numbers: Vec<&str> = docs
            .iter()
            .filter_map(|d| d.case_number.as_deref())
            .collect();
        let before = numbers.len();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(
            numbers.len(),
            before,
            "{:?}",
            docs.iter().map(|d| &d.id).collect::<Vec<_>>()
        );
        assert!(
            summary
                .skipped
                .iter()
                .any(|s| s.reason.contains("的文书已读过")),
            "{:?}",
            summary.skipped
        );
    }

    #[test]
    fn cail2018_lines() {
        let (docs, summary) = read(&fixture("cail2018.jsonl"), false).unwrap();
        assert_eq!(summary.format, "cail2018");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].causes, ["故意伤害罪"]);
        assert_eq!(docs[0].cited_articles, ["中华人民共和国刑法第234条"]);
        assert_eq!(docs[2].causes, ["伪造、变造、买卖身份证件罪"]);
        assert!(docs.iter().all(|d| d.id.starts_with("cail2018-cail2018-")));
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"{\"id\":\"a\",\"kind\":\"judgment\",\"facts\":\"\xe8\xa2\xab\xe5\x91\x8a\xe4\xba\xba\xe7\x9b\x97\xe7\xaa\x83\"}\n").unwrap();
        file.write_all(b"{not json}\n").unwrap();
        file.write_all(b"{\"id\":\"b\",\"facts\":\"\xff\xfe\"}\n")
            .unwrap();
        file.write_all(b"{\"id\":\"c\",\"kind\":\"judgment\",\"facts\":\"   \"}\n")
            .unwrap();
        file.write_all(b"{\"id\":\"a\",\"kind\":\"judgment\",\"facts\":\"dup\"}\n")
            .unwrap();
        file.write_all(b"{\"id\":5,\"kind\":\"judgment\",\"facts\":\"wrong type\"}\n")
            .unwrap();
        file.write_all(b"[1,2]\n\n").unwrap();
        file.write_all(
            b"{\"id\":\"nul\",\"facts\":\"\\u0000\\u0000 \\u200b\",\"full_text\":\"\\u0001\"}\n",
        )
        .unwrap();
        drop(file);
        let (docs, summary) = read(&path, false).unwrap();
        assert_eq!(docs.len(), 1);
        let lines: Vec<Option<usize>> = summary.skipped.iter().map(|s| s.line).collect();
        assert_eq!(
            lines,
            [
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                Some(9)
            ]
        );
        assert!(summary.skipped[6].reason.contains("控制字符"));
        assert!(summary.skipped[1].reason.contains("UTF-8"));
        assert!(summary.skipped[3].reason.contains("重复"));
        assert!(matches!(read(&path, true), Err(IngestError::Strict(s)) if s.line == Some(2)));
        assert!(matches!(
            read(&dir.path().join("missing.jsonl"), false),
            Err(IngestError::Io { .. })
        ));
    }

    #[test]
    fn streamed_records_are_those_of_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let inputs: [&[u8]; 9] = [
            b"",
            b"\n\n",
            b"{\"id\":\"a\"}",
            b"\n{\"id\":\"a\"}\n\n",
            b"{\"id\":\"a\"}\n\n{\"id\":\"b\"}\nnot json\n[1]\n{\"id\":\"c\"}",
            b"{\n  \"id\": \"pretty\"\n}\n",
            b"[{\"id\":\"a\"},\n{\"id\":\"b\"}]",
            b"{\"id\":\n{\"id\":\"b\"}\n",
            b"\xef\xbb\xbf{\"id\":\"a\"}\n{\"id\":\"b\"}\n",
        ];
        for (i, input) in inputs.iter().enumerate() {
            let plain = dir.path().join(format!("{i}.jsonl"));
            std::fs::write(&plain, input).unwrap();
            let gzipped = dir.path().join(format!("{i}.jsonl.gz"));
            let mut encoder = flate2::write::GzEncoder::new(
                std::fs::File::create(&gzipped).unwrap(),
                flate2::Compression::fast(),
            );
            encoder.write_all(input).unwrap();
            encoder.finish().unwrap();
            let expected = records(input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input));
            for path in [&plain, &gzipped] {
                let streamed: Vec<Record> = RecordStream::open(path)
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                assert_eq!(streamed, expected, "input {i}, {}", path.display());
            }
        }
    }
}
