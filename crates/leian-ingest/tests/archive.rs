//! Court archives: judgments as files of every format read into the same metadata
//! (`corpus/fixtures/archive/expected.json`), agreeing with the corpus records they render; bad
//! files skipped with a reason while the rest of the folder is read.

use leian_core::Judgment;
use leian_ingest::{IngestError, SourceSummary, read_judgments};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn archive() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures/archive")
}

fn read(path: &Path, strict: bool) -> Result<(Vec<Judgment>, SourceSummary), IngestError> {
    let mut judgments = Vec::new();
    let summary = read_judgments(path, strict, &mut HashSet::new(), &mut |j| {
        judgments.push(j)
    })?;
    Ok((judgments, summary))
}

fn read_one(path: &Path) -> (Judgment, SourceSummary) {
    let (mut judgments, summary) = read(path, false).unwrap();
    assert_eq!(
        judgments.len(),
        1,
        "{}: {:?}",
        path.display(),
        summary.skipped
    );
    (judgments.remove(0), summary)
}

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(archive().join("expected.json")).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    expected["files"].as_array().unwrap().clone()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn json_name<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn every_format_reads_the_expected_metadata() {
    let files = expected();
    assert_eq!(files.len(), 8);
    for want in files {
        let file = want["file"].as_str().unwrap();
        let (j, summary) = read_one(&archive().join(file));
        let context = format!("{file}: {j:#?}");
        assert_eq!(
            summary.format,
            want["format"].as_str().unwrap(),
            "{context}"
        );
        assert_eq!(j.id, want["id"].as_str().unwrap(), "{context}");
        assert_eq!(j.title.as_deref(), want["title"].as_str(), "{context}");
        assert_eq!(
            j.case_number.as_deref(),
            want["case_number"].as_str(),
            "{context}"
        );
        assert_eq!(j.court.as_deref(), want["court"].as_str(), "{context}");
        assert_eq!(j.date.as_deref(), want["date"].as_str(), "{context}");
        assert_eq!(j.year.map(u64::from), want["year"].as_u64(), "{context}");
        assert_eq!(json_name(&j.domain), want["domain"], "{context}");
        assert_eq!(json_name(&j.procedure), want["procedure"], "{context}");
        assert_eq!(j.causes, strings(&want["causes"]), "{context}");
        assert_eq!(j.parties, strings(&want["parties"]), "{context}");
        for article in strings(&want["cited_articles"]) {
            assert!(
                j.cited_articles.contains(&article),
                "{article} in {context}"
            );
        }
        assert!(!j.facts.trim().is_empty(), "facts: {context}");
        assert!(
            j.reasoning
                .as_deref()
                .is_some_and(|r| r.starts_with("本院认为")),
            "{context}"
        );
        assert!(
            j.result
                .as_deref()
                .is_some_and(|r| r.starts_with("判决如下")),
            "{context}"
        );
        assert!(j.text_elements.is_some(), "{context}");
        // The appeal notice and the bench are not part of the operative text.
        assert!(
            !j.result.as_deref().unwrap().contains("如不服本判决"),
            "{context}"
        );
    }
}

#[test]
fn files_agree_with_the_corpus_records_they_render() {
    let (records, _) = read(&archive().join("source.jsonl"), true).unwrap();
    assert_eq!(records.len(), 3);
    for want in expected() {
        let Some(jsonl_id) = want["jsonl_id"].as_str() else {
            continue;
        };
        let record = records.iter().find(|r| r.id == jsonl_id).unwrap();
        let (j, _) = read_one(&archive().join(want["file"].as_str().unwrap()));
        let context = format!("{} vs {jsonl_id}", want["file"]);
        assert_eq!(j.case_number, record.case_number, "{context}");
        assert_eq!(j.year, record.year, "{context}");
        assert_eq!(j.domain, record.domain, "{context}");
        assert_eq!(j.procedure, record.procedure, "{context}");
        assert_eq!(j.province, record.province, "{context}");
        assert_eq!(j.court_level, record.court_level, "{context}");
        assert_eq!(j.causes, record.causes, "{context}");
        if record.court.is_some() {
            assert_eq!(j.court, record.court, "{context}");
        }
        // The record writes the date as the judgment does (二〇一六年十月十三日).
        let record_date = leian_legal::authority::decision_date(record).map(|d| d.to_string());
        assert_eq!(j.date, record_date, "{context}");
        // Every article the corpus lists is read from the file (which may also read the judicial
        // interpretations the corpus leaves out).
        for article in &record.cited_articles {
            assert!(j.cited_articles.contains(article), "{article}: {context}");
        }
        // The same sections, paragraphs apart: the corpus separates them by spaces.
        let spaced = |text: &Option<String>| text.as_deref().map(|t| t.replace('\n', " "));
        assert_eq!(spaced(&j.result), record.result, "{context}");
        assert_eq!(spaced(&j.reasoning), record.reasoning, "{context}");
    }
}

#[test]
fn one_judgment_in_two_formats_reads_the_same() {
    let docs = archive().join("docs");
    for (a, b) in [
        ("fushun-rongliu.utf8.txt", "fushun-rongliu.pdf"),
        ("nantong-jiaotong.utf16le-bom.txt", "nantong-jiaotong.docx"),
        ("chaoyang-jiedai.utf8.txt", "chaoyang-jiedai.utf16be.txt"),
        ("yueqing-dubo.gb18030.txt", "yueqing-dubo.html"),
    ] {
        let (mut a, _) = read_one(&docs.join(a));
        let (mut b, _) = read_one(&docs.join(b));
        // The page's title is the one line the HTML has beyond the text file.
        if let Some(title) = b.title.clone().filter(|_| a.title.is_none()) {
            b.title = None;
            let text = b.full_text.take().unwrap();
            b.full_text = Some(
                text.strip_prefix(&format!("{title}\n"))
                    .unwrap()
                    .to_string(),
            );
        }
        a.source = None;
        b.source = None;
        assert_eq!(a, b);
    }
}

#[test]
fn a_folder_reads_each_judgment_once_in_path_order() {
    let (judgments, summary) = read(&archive().join("docs"), false).unwrap();
    let ids: Vec<&str> = judgments.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "case-（2021）京0105民初1234号",
            "case-（2016）川0322刑初263号",
            "case-（2018）苏0691刑初121号",
            "case-（2019）浙0382刑初428号",
        ]
    );
    assert_eq!(summary.read, 4);
    assert_eq!(summary.format, "txt+pdf+docx+html");
    // The second file of each judgment has its id: it is the same judgment, read once.
    assert_eq!(summary.skipped.len(), 4, "{:?}", summary.skipped);
    assert!(summary.skipped.iter().all(|s| s.reason.contains("重复")));
}

/// A one-page PDF built with lopdf (as pdf-extract re-exports it): `content` is the page's
/// content stream, `font` its font /F1.
fn pdf(content: &[u8], font: Option<pdf_extract::Dictionary>) -> pdf_extract::Document {
    use pdf_extract::{Dictionary, Document, Object, Stream};
    let name = |n: &str| Object::Name(n.as_bytes().to_vec());
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(Dictionary::new(), content.to_vec()));
    let mut resources = Dictionary::new();
    if let Some(font) = font {
        let font_id = doc.add_object(font);
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font_id));
        resources.set("Font", Object::Dictionary(fonts));
    }
    let mut page = Dictionary::new();
    page.set("Type", name("Page"));
    page.set("Parent", Object::Reference(pages_id));
    page.set("Contents", Object::Reference(content_id));
    page.set("Resources", Object::Dictionary(resources));
    let media_box = [0, 0, 595, 842].map(Object::Integer).to_vec();
    page.set("MediaBox", Object::Array(media_box));
    let page_id = doc.add_object(page);
    let mut pages = Dictionary::new();
    pages.set("Type", name("Pages"));
    pages.set("Kids", Object::Array(vec![Object::Reference(page_id)]));
    pages.set("Count", Object::Integer(1));
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let mut catalog = Dictionary::new();
    catalog.set("Type", name("Catalog"));
    catalog.set("Pages", Object::Reference(pages_id));
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog_id));
    doc
}

fn save(mut doc: pdf_extract::Document, path: &Path) {
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A Type0 font with an encoding pdf-extract does not know: it panics on it.
fn panicking_font() -> pdf_extract::Dictionary {
    use pdf_extract::{Dictionary, Object};
    let name = |n: &str| Object::Name(n.as_bytes().to_vec());
    let mut cid = Dictionary::new();
    cid.set("Type", name("Font"));
    cid.set("Subtype", name("CIDFontType2"));
    cid.set("BaseFont", name("Bogus"));
    let mut font = Dictionary::new();
    font.set("Type", name("Font"));
    font.set("Subtype", name("Type0"));
    font.set("BaseFont", name("Bogus"));
    font.set("Encoding", name("Bogus-Encoding"));
    font.set(
        "DescendantFonts",
        Object::Array(vec![Object::Dictionary(cid)]),
    );
    font
}

/// A zip whose `word/document.xml` inflates to `megabytes` of zeros (they deflate ~1000:1).
fn zip_bomb(path: &Path, megabytes: usize) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    zip.start_file("word/document.xml", options).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..megabytes {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn bad_files_are_skipped_with_a_reason_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    let docs = archive().join("docs");
    std::fs::copy(docs.join("fushun-rongliu.utf8.txt"), at("a-good.txt")).unwrap();
    std::fs::create_dir(at("sub")).unwrap();
    std::fs::copy(docs.join("nantong-jiaotong.docx"), at("sub/z-good.docx")).unwrap();
    std::fs::write(at("empty.txt"), b"").unwrap();
    let mut x = 0x9e37_79b9_u32;
    let garbage: Vec<u8> = (0..64 << 10)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(at("garbage.txt"), &garbage).unwrap();
    std::fs::write(
        at("not-a-judgment.txt"),
        "会议纪要：下周一上午九点在第三会议室讨论年度工作计划，请各部门负责人准时参加。".repeat(3),
    )
    .unwrap();
    zip_bomb(&at("bomb.docx"), 100);
    assert!(std::fs::metadata(at("bomb.docx")).unwrap().len() < 1 << 20);
    save(pdf(b"0 0 100 100 re f", None), &at("scan.pdf"));
    save(
        pdf(b"BT /F1 12 Tf <0001> Tj ET", Some(panicking_font())),
        &at("hostile.pdf"),
    );
    let mut locked = pdf(b"0 0 100 100 re f", None);
    let file_id = pdf_extract::Object::String(
        b"leian-test-0001".to_vec(),
        pdf_extract::StringFormat::Hexadecimal,
    );
    locked.trailer.set(
        "ID",
        pdf_extract::Object::Array(vec![file_id.clone(), file_id]),
    );
    let state = pdf_extract::EncryptionState::try_from(pdf_extract::EncryptionVersion::V2 {
        document: &locked,
        owner_password: "owner",
        user_password: "secret",
        key_length: 128,
        permissions: pdf_extract::Permissions::default(),
    })
    .unwrap();
    locked.encrypt(&state).unwrap();
    save(locked, &at("locked.pdf"));
    std::fs::write(at("truncated.pdf"), b"%PDF-1.7\n1 0 obj\n<<").unwrap();
    let line = "被告人张三于2018年3月5日在上海市奉贤区某超市窃取商品，价值人民币二千元。\n";
    let big = line.repeat((50 << 20) / line.len() + 1);
    std::fs::write(at("big.txt"), big).unwrap();
    std::fs::write(at("photo.jpg"), b"\xff\xd8\xff\xe0\x00\x10JFIF").unwrap();
    std::fs::write(at("old.doc"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1").unwrap();
    std::fs::write(at("notes.md"), "# 笔记").unwrap();
    // Passed over without a word.
    std::fs::write(at(".hidden.txt"), b"").unwrap();
    std::fs::write(at("~$z-good.docx"), b"lock").unwrap();
    std::fs::write(at("Thumbs.db"), b"").unwrap();
    std::fs::create_dir(at(".git")).unwrap();
    std::fs::write(at(".git/config"), b"").unwrap();

    let started = Instant::now();
    let (judgments, summary) = read(dir.path(), false).unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let ids: Vec<&str> = judgments.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "case-（2016）川0322刑初263号",
            "case-（2018）苏0691刑初121号"
        ]
    );
    let reason = |name: &str| {
        summary
            .skipped
            .iter()
            .find(|s| s.file == at(name))
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| panic!("{name} not skipped: {:#?}", summary.skipped))
    };
    assert!(reason("empty.txt").contains("为空"));
    assert!(reason("garbage.txt").contains("二进制数据或乱码"));
    assert!(reason("not-a-judgment.txt").contains("未识别出裁判文书"));
    assert!(reason("bomb.docx").contains("压缩炸弹"));
    assert!(reason("scan.pdf").contains("没有可提取的文字"));
    assert!(reason("hostile.pdf").contains("无法解析"));
    assert!(reason("locked.pdf").contains("已加密"));
    assert!(reason("truncated.pdf").contains("PDF"));
    assert!(reason("big.txt").contains("文件过大"));
    assert!(reason("photo.jpg").contains("图片"));
    assert!(reason("old.doc").contains(".doc"));
    assert!(reason("notes.md").contains("不支持的文件类型"));
    assert_eq!(summary.skipped.len(), 12, "{:#?}", summary.skipped);
    for skip in &summary.skipped {
        assert!(skip.line.is_none() && skip.to_string().contains(&*skip.file.to_string_lossy()));
    }

    // With --strict the first bad document stops the read (files in path order: big.txt);
    // other file types are not judgments and do not.
    match read(dir.path(), true) {
        Err(IngestError::Strict(skip)) => assert_eq!(skip.file, at("big.txt")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_judgment_without_case_number_has_its_path_as_id() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("2019")).unwrap();
    let text = std::fs::read_to_string(archive().join("docs/chaoyang-jiedai.utf8.txt")).unwrap();
    let text = text.replace("（2021）京0105民初1234号\n", "");
    let path = dir.path().join("2019/借贷.txt");
    std::fs::write(&path, &text).unwrap();
    let (judgments, _) = read(dir.path(), false).unwrap();
    assert_eq!(judgments[0].id, "file-2019/借贷.txt");
    assert_eq!(judgments[0].causes, ["民间借贷纠纷"]);
    assert_eq!(judgments[0].court.as_deref(), Some("北京市朝阳区人民法院"));
    // Read again, from the same folder, it has the same id: re-adding replaces.
    let (again, _) = read(dir.path(), false).unwrap();
    assert_eq!(again[0].id, judgments[0].id);
}

#[test]
fn a_gbk_page_mostly_scripts_is_read_by_its_text() {
    let page = std::fs::read_to_string(archive().join("docs/yueqing-dubo.html")).unwrap();
    let script = format!(
        "<script>var data = \"{}\";</script>",
        "x1y2z3".repeat(20_000)
    );
    let page = page
        .replace("<meta charset=\"utf-8\">", "<meta charset=\"gbk\">")
        .replace("</head>", &format!("{script}</head>"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.htm");
    std::fs::write(&path, encoding_rs::GBK.encode(&page).0).unwrap();
    let (gbk, _) = read_one(&path);
    let (utf8, _) = read_one(&archive().join("docs/yueqing-dubo.html"));
    assert_eq!(gbk.full_text, utf8.full_text);
    assert_eq!(gbk.id, utf8.id);
}
