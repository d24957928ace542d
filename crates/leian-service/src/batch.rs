//! Batch intake and waves of parallel cases (系列案件): a batch of filings is read (JSONL or CSV),
//! validated, and grouped into waves — filings that share a repeat party (the same plaintiff or
//! the same defendant, by normalised name), the same cause of action and the same legal issue
//! (near text), while amounts, dates and the other parties differ. Each wave lists what its
//! members share and what differs, and proposes a representative case (示范性首案).
//!
//! Candidate pairs come from blocks of (party, cause) and, in large blocks, from MinHash
//! neighbours; pairs are confirmed by TF-IDF cosine of character bigrams and joined by
//! union-find. No step compares all pairs of the batch.
//!
//! ```
//! use leian_service::batch::{cluster, read_filings, InputFormat};
//!
//! let text = |who: &str, sum: u32| format!(
//!     "{{\"id\":\"{who}\",\"text\":\"原告平安财险安徽分公司向本院提出诉讼请求：判令被告{who}偿还保险理赔款{sum}元及违约金。\
//!      事实与理由：被告向银行借款，原告为该借款提供个人消费信贷保证保险，被告逾期未还，原告依约理赔后向被告追偿未果。\"}}\n");
//! let input = [text("张x1", 5000), text("李x2", 8000), text("王x3", 9000)].concat();
//! let filings = read_filings(&input, InputFormat::Jsonl).unwrap();
//! let batch = cluster(&filings, &Default::default());
//! assert_eq!(batch.waves.len(), 1);
//! assert_eq!(batch.waves[0].members.len(), 3);
//! ```

pub mod jobs;
pub mod referral;

use leian_legal::analysis::analyze_text;
use leian_legal::parties::{NormalizedParty, Parties, extract_parties, normalize_party};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Instant;
use utoipa::ToSchema;

/// The most filings one batch may hold: beyond it the caller splits the batch.
pub const MAX_FILINGS: usize = 50_000;

/// One filing of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filing {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parties: Option<Parties>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<serde_json::Value>,
    /// An evaluation label (`leian eval --kind batch`): the wave the filing belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<String>,
}

/// How a batch file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Jsonl,
    Csv,
    /// One JSON document `{"filings": [{"id", "text"}, …]}` (the HTTP API's JSON body); problems
    /// are numbered by the filing's position in the array.
    Json,
}

impl InputFormat {
    /// CSV when the file is named `.csv` or its first line is not a JSON object.
    pub fn detect(name: Option<&str>, input: &str) -> InputFormat {
        if name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".csv")) {
            return InputFormat::Csv;
        }
        let first = input.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if first
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            InputFormat::Jsonl
        } else {
            InputFormat::Csv
        }
    }
}

/// What is wrong with one line of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LineProblem {
    /// 1-based line (JSONL) or record (CSV, header excluded: the data row's line in the file).
    pub line: usize,
    pub message: String,
}

/// Why a batch was refused; nothing is clustered until every line reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    Empty,
    TooLarge {
        count: usize,
        limit: usize,
    },
    MissingColumn(&'static str),
    Lines(Vec<LineProblem>),
    /// Problems of a JSON document's filings, numbered by position (`InputFormat::Json`).
    Items(Vec<LineProblem>),
    /// The JSON document itself does not read (`InputFormat::Json`).
    Document(String),
}

impl BatchError {
    /// The problems of single lines (or filings), empty for the errors of the whole batch.
    pub fn problems(&self) -> &[LineProblem] {
        match self {
            BatchError::Lines(problems) | BatchError::Items(problems) => problems,
            _ => &[],
        }
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Empty => write!(
                f,
                "批量文件中没有任何案件：请每行提供一个 {{\"id\", \"text\"}}"
            ),
            BatchError::TooLarge { count, limit } => write!(
                f,
                "批量文件有 {count} 个案件，超过单批上限 {limit} 个：请拆分后分批提交"
            ),
            BatchError::MissingColumn(column) => {
                write!(f, "CSV 缺少 {column} 列：第一行应为列名，至少包含 id,text")
            }
            BatchError::Document(message) => write!(f, "{message}"),
            BatchError::Lines(problems) | BatchError::Items(problems) => {
                let unit = match self {
                    BatchError::Items(_) => "件",
                    _ => "行",
                };
                write!(f, "批量文件有 {} 处错误：", problems.len())?;
                for problem in problems.iter().take(20) {
                    write!(f, "\n  第 {} {unit}：{}", problem.line, problem.message)?;
                }
                if problems.len() > 20 {
                    write!(f, "\n  ……另有 {} 处未列出", problems.len() - 20)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BatchError {}

/// Reads and validates a batch: every line must hold an id and a text, ids unique.
pub fn read_filings(input: &str, format: InputFormat) -> Result<Vec<Filing>, BatchError> {
    let input = input.trim_start_matches('\u{feff}');
    if input.trim().is_empty() {
        return Err(BatchError::Empty);
    }
    let mut problems = Vec::new();
    let mut filings: Vec<(usize, Filing)> = Vec::new();
    match format {
        InputFormat::Jsonl => {
            let count = input.lines().filter(|l| !l.trim().is_empty()).count();
            if count > MAX_FILINGS {
                return Err(BatchError::TooLarge {
                    count,
                    limit: MAX_FILINGS,
                });
            }
            for (index, line) in input.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let number = index + 1;
                match serde_json::from_str::<serde_json::Value>(line) {
                    Err(error) => problems.push(LineProblem {
                        line: number,
                        message: format!("不是有效的 JSON（第 {} 列）", error.column()),
                    }),
                    Ok(value) => match filing_from_json(value) {
                        Ok(filing) => filings.push((number, filing)),
                        Err(message) => problems.push(LineProblem {
                            line: number,
                            message,
                        }),
                    },
                }
            }
        }
        InputFormat::Json => {
            let document: serde_json::Value = serde_json::from_str(input).map_err(|e| {
                BatchError::Document(format!(
                    "请求体不是有效的 JSON（第 {} 行第 {} 列）",
                    e.line(),
                    e.column()
                ))
            })?;
            let Some(items) = document.get("filings").and_then(|f| f.as_array()) else {
                return Err(BatchError::Document(
                    "JSON 请求体应为 {\"filings\": [{\"id\", \"text\"}, …]}".to_string(),
                ));
            };
            if items.len() > MAX_FILINGS {
                return Err(BatchError::TooLarge {
                    count: items.len(),
                    limit: MAX_FILINGS,
                });
            }
            for (index, item) in items.iter().enumerate() {
                match filing_from_json(item.clone()) {
                    Ok(filing) => filings.push((index + 1, filing)),
                    Err(message) => problems.push(LineProblem {
                        line: index + 1,
                        message,
                    }),
                }
            }
        }
        InputFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(input.as_bytes());
            let headers = reader
                .headers()
                .map_err(|_| BatchError::MissingColumn("id"))?
                .clone();
            let column = |name: &'static str| {
                headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(name))
                    .ok_or(BatchError::MissingColumn(name))
            };
            let (id_at, text_at) = (column("id")?, column("text")?);
            let mut count = 0;
            for record in reader.records() {
                count += 1;
                if count > MAX_FILINGS {
                    return Err(BatchError::TooLarge {
                        count: count + reader.records().count(),
                        limit: MAX_FILINGS,
                    });
                }
                match record {
                    Err(error) => problems.push(LineProblem {
                        line: error.position().map_or(count + 1, |p| p.line() as usize),
                        message: "不是有效的 CSV 行".to_string(),
                    }),
                    Ok(record) => {
                        let number = record.position().map_or(count + 1, |p| p.line() as usize);
                        let id = record.get(id_at).unwrap_or("").trim().to_string();
                        let text = record.get(text_at).unwrap_or("").trim().to_string();
                        if id.is_empty() {
                            problems.push(LineProblem {
                                line: number,
                                message: "缺少 id".to_string(),
                            });
                        } else if text.is_empty() {
                            problems.push(LineProblem {
                                line: number,
                                message: format!("案件 {id} 缺少 text（案件事实或起诉状内容）"),
                            });
                        } else {
                            filings.push((
                                number,
                                Filing {
                                    id,
                                    text,
                                    parties: None,
                                    claims: None,
                                    wave: None,
                                },
                            ));
                        }
                    }
                }
            }
        }
    }
    let unit = match format {
        InputFormat::Json => "件",
        _ => "行",
    };
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (line, filing) in &filings {
        if let Some(first) = first_seen.insert(&filing.id, *line) {
            first_seen.insert(&filing.id, first);
            problems.push(LineProblem {
                line: *line,
                message: format!("案件编号 {} 重复（第 {first} {unit}已出现）", filing.id),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(match format {
            InputFormat::Json => BatchError::Items(problems),
            _ => BatchError::Lines(problems),
        });
    }
    if filings.is_empty() {
        return Err(BatchError::Empty);
    }
    Ok(filings.into_iter().map(|(_, filing)| filing).collect())
}

fn filing_from_json(value: serde_json::Value) -> Result<Filing, String> {
    let serde_json::Value::Object(object) = value else {
        return Err("应为一个 JSON 对象 {\"id\", \"text\"}".to_string());
    };
    let id = match object.get("id") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err("缺少 id".to_string()),
    };
    let text = match object.get("text") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err(format!("案件 {id} 缺少 text（案件事实或起诉状内容）")),
    };
    let parties =
        match object.get("parties") {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => Some(serde_json::from_value::<Parties>(value.clone()).map_err(
                |_| format!("案件 {id} 的 parties 应为 {{\"plaintiffs\": [], \"defendants\": []}}"),
            )?),
        };
    let wave = match object.get("wave") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(Filing {
        id,
        text,
        parties,
        claims: object.get("claims").cloned(),
        wave,
    })
}

/// How filings are joined into waves.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// Cosine of character-bigram TF-IDF from which two filings of one block are parallel.
    pub threshold: f32,
    /// Blocks up to this size compare every pair; larger ones take MinHash neighbours.
    pub exact_block: usize,
    /// Worker threads for reading the filings (0: one per core).
    pub workers: usize,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            threshold: 0.5,
            exact_block: 300,
            workers: 0,
        }
    }
}

/// A party of a wave's members that all (or most) share.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SharedParty {
    /// `原告` or `被告`.
    pub role: String,
    pub key: String,
    /// The names it goes by in the wave (full name, short name, branches).
    pub names: Vec<String>,
}

/// What a wave's members have in common.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Shared {
    pub parties: Vec<SharedParty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Legal terms and circumstances most members state.
    pub elements: Vec<String>,
    /// Disputed issues most members state.
    pub issues: Vec<String>,
}

/// One member's row of the table of differences.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberRow {
    pub id: String,
    /// Sums in yuan as the text states them, in order.
    pub amounts: Vec<f64>,
    pub dates: Vec<String>,
    /// Parties other than the wave's shared ones.
    pub other_parties: Vec<String>,
    /// Cosine to the representative.
    pub similarity: f32,
    /// Length of the facts in characters.
    pub chars: usize,
}

/// The proposed representative (示范性首案) and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Representative {
    pub id: String,
    pub reason: String,
}

/// A wave of parallel cases.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Wave {
    /// `W1`, `W2` … largest first.
    pub id: String,
    pub members: Vec<String>,
    pub shared: Shared,
    pub differences: Vec<MemberRow>,
    pub representative: Representative,
    /// Indexed judgments deciding the wave's issue, by authority tier (when an index was given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub precedents: Vec<Precedent>,
    /// An indexed judgment of the same repeat party and cause: the proposed demonstrative one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demonstrative: Option<Precedent>,
}

/// An indexed judgment found for a wave.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Precedent {
    pub id: String,
    pub title: String,
    pub score: f32,
    /// Authority tier rank, 1 (guiding) … 6 (other), and its reason.
    pub tier: u8,
    pub tier_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    pub causes: Vec<String>,
}

/// The waves of a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Batch {
    pub filings: usize,
    pub waves: Vec<Wave>,
    /// Filings in no wave.
    pub singletons: Vec<String>,
    /// Pairs compared (the blocking's cost, for the benchmark).
    pub pairs_compared: usize,
    pub took_ms: f64,
}

impl Batch {
    /// The wave label of every filing (singletons: none), in the batch's order.
    pub fn labels(&self, filings: &[Filing]) -> Vec<Option<String>> {
        let mut of: HashMap<&str, &str> = HashMap::new();
        for wave in &self.waves {
            for member in &wave.members {
                of.insert(member, &wave.id);
            }
        }
        filings
            .iter()
            .map(|f| of.get(f.id.as_str()).map(|w| w.to_string()))
            .collect()
    }
}

/// What one filing says, read once.
struct Features {
    parties: Vec<(bool, NormalizedParty)>,
    cause: Option<String>,
    /// The causes blocked on (the first two).
    causes: Vec<String>,
    /// Sparse TF-IDF vector of character bigrams, unit length, sorted by term.
    vector: Vec<(u32, f32)>,
    amounts: Vec<f64>,
    dates: Vec<String>,
    elements: Vec<String>,
    issues: Vec<String>,
    chars: usize,
}

/// Groups filings into waves.
pub fn cluster(filings: &[Filing], settings: &ClusterSettings) -> Batch {
    let started = Instant::now();
    let workers = if settings.workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        settings.workers
    };
    let (features, bigrams) = read_all(filings, workers);
    let vectors = weigh(&bigrams);
    let features: Vec<Features> = features
        .into_iter()
        .zip(vectors)
        .map(|(mut f, v)| {
            f.vector = v;
            f
        })
        .collect();

    // Blocks: one per (party key, cause); filings with no party read block on the cause alone.
    let mut blocks: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let mut causes = f.causes.clone();
        if causes.is_empty() {
            causes.push(String::new());
        }
        let mut keys: Vec<String> = f.parties.iter().map(|(_, p)| p.key.clone()).collect();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            keys.push(String::new());
        }
        for key in keys {
            for cause in &causes {
                blocks
                    .entry((key.clone(), cause.clone()))
                    .or_default()
                    .push(i);
            }
        }
    }
    let mut union = UnionFind::new(filings.len());
    let mut compared = 0usize;
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    for ((key, _), members) in &blocks {
        if members.len() < 2 {
            continue;
        }
        // Without a repeat party the text alone must carry the wave: a stricter bar.
        let threshold = if key.is_empty() {
            settings.threshold + 0.15
        } else {
            settings.threshold
        };
        let pairs = if members.len() <= settings.exact_block {
            all_pairs(members)
        } else {
            minhash_pairs(members, &features)
        };
        for (a, b) in pairs {
            let pair = (a.min(b) as u32, a.max(b) as u32);
            if !seen.insert(pair) {
                continue;
            }
            compared += 1;
            if cosine(&features[a].vector, &features[b].vector) >= threshold {
                union.join(a, b);
            }
        }
    }

    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..filings.len() {
        groups.entry(union.root(i)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let mut waves = Vec::new();
    let mut singletons = Vec::new();
    for group in groups {
        if group.len() < 2 {
            singletons.push(filings[group[0]].id.clone());
            continue;
        }
        let id = format!("W{}", waves.len() + 1);
        waves.push(describe(id, &group, filings, &features));
    }
    Batch {
        filings: filings.len(),
        waves,
        singletons,
        pairs_compared: compared,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

/// Reads every filing in parallel: parties, cause, amounts, dates, issues and bigram counts.
fn read_all(filings: &[Filing], workers: usize) -> (Vec<Features>, Vec<HashMap<u32, u32>>) {
    let chunk = filings.len().div_ceil(workers.max(1)).max(1);
    let mut out: Vec<(Features, HashMap<u32, u32>)> = Vec::with_capacity(filings.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = filings
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(read_one).collect::<Vec<_>>()))
            .collect();
        for handle in handles {
            out.extend(handle.join().expect("batch reader thread"));
        }
    });
    out.into_iter().unzip()
}

/// A filing's parties (given, or read from its text), normalised: `true` for a plaintiff.
pub(crate) fn filing_parties(filing: &Filing) -> Vec<(bool, NormalizedParty)> {
    let given = filing.parties.clone().filter(|p| !p.is_empty());
    let parties = given.unwrap_or_else(|| extract_parties(&filing.text));
    parties
        .plaintiffs
        .iter()
        .take(4)
        .map(|p| (true, normalize_party(p)))
        .chain(
            parties
                .defendants
                .iter()
                .take(4)
                .map(|p| (false, normalize_party(p))),
        )
        .filter(|(_, p)| !p.key.is_empty())
        .collect()
}

/// The parties of an indexed judgment, normalised: read from its text and its header.
pub(crate) fn judgment_parties(judgment: &leian_core::Judgment) -> Vec<NormalizedParty> {
    let text = judgment.full_text.as_deref().unwrap_or(&judgment.facts);
    let parties = extract_parties(text);
    parties
        .plaintiffs
        .iter()
        .chain(&parties.defendants)
        .map(String::as_str)
        // The header's parties are written `原告：王某某`: the name follows the role.
        .chain(
            judgment
                .parties
                .iter()
                .map(|p| p.rsplit_once('：').map_or(p.as_str(), |(_, name)| name)),
        )
        .map(normalize_party)
        .filter(|p| !p.key.is_empty())
        .collect()
}

/// Dates as filings write them (`2016年3月5日`, `2016年3月`), in order.
pub(crate) fn dates_in(text: &str) -> Vec<String> {
    static DATE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?").expect("date pattern")
    });
    DATE.find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

fn read_one(filing: &Filing) -> (Features, HashMap<u32, u32>) {
    let text = &filing.text;
    let parties = filing_parties(filing);
    let analysis = analyze_text(text);
    // The first two causes: a dropped or reworded sentence may swap them between parallel
    // filings (劳动争议 / 经济补偿金纠纷), and each is a block of its own.
    let named = if analysis.causes.is_empty() {
        &analysis.charges
    } else {
        &analysis.causes
    };
    let causes: Vec<String> = named.iter().take(2).map(|c| c.name.clone()).collect();
    let cause = causes.first().cloned();
    let mut elements: Vec<String> = analysis
        .circumstances
        .iter()
        .filter(|c| !c.negated)
        .map(|c| c.name.to_string())
        .collect();
    elements.extend(
        TERMS
            .iter()
            .filter(|t| text.contains(*t))
            .map(|t| t.to_string()),
    );
    elements.sort();
    elements.dedup();
    // Names and numbers differ between parallel filings by design: masked before comparing.
    let mut masked = text.clone();
    for (_, party) in &parties {
        if party.name.chars().count() >= 2 {
            masked = masked.replace(&party.name, "□");
        }
    }
    let mut bigrams: HashMap<u32, u32> = HashMap::new();
    let chars: Vec<char> = masked
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    for pair in chars.windows(2) {
        if pair
            .iter()
            .all(|c| c.is_ascii_punctuation() || "，。、；：（）“”".contains(*c))
        {
            continue;
        }
        *bigrams.entry(hash_pair(pair[0], pair[1])).or_default() += 1;
    }
    (
        Features {
            parties,
            cause,
            causes,
            vector: Vec::new(),
            amounts: analysis.amounts.iter().map(|a| a.yuan).collect(),
            dates: dates_in(text),
            elements,
            issues: analysis
                .disputed_issues
                .iter()
                .map(|i| i.text.clone())
                .collect(),
            chars: text.chars().count(),
        },
        bigrams,
    )
}

/// Legal terms worth naming in a wave's shared facts (a short list: the dictionary's terms are
/// for search, and the wave table must stay readable).
pub(crate) const TERMS: [&str; 24] = [
    "保证保险",
    "理赔",
    "代位",
    "追偿",
    "违约金",
    "逾期",
    "利息",
    "借款",
    "借条",
    "透支",
    "信用卡",
    "物业费",
    "物业服务",
    "滞纳金",
    "劳动合同",
    "经济补偿",
    "加班费",
    "工资",
    "社会保险",
    "著作权",
    "信息网络传播权",
    "放映权",
    "律师费",
    "连带责任",
];

fn hash_pair(a: char, b: char) -> u32 {
    // FNV-1a over the two code points: stable across runs, no allocation.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in (a as u32)
        .to_le_bytes()
        .into_iter()
        .chain((b as u32).to_le_bytes())
    {
        hash ^= byte as u32;
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// TF-IDF over the batch (log tf, smoothed idf), unit length.
fn weigh(bigrams: &[HashMap<u32, u32>]) -> Vec<Vec<(u32, f32)>> {
    let mut df: HashMap<u32, u32> = HashMap::new();
    for counts in bigrams {
        for term in counts.keys() {
            *df.entry(*term).or_default() += 1;
        }
    }
    let n = bigrams.len() as f32;
    bigrams
        .iter()
        .map(|counts| {
            let mut vector: Vec<(u32, f32)> = counts
                .iter()
                .map(|(term, tf)| {
                    let idf = (1.0 + n / df[term] as f32).ln();
                    (*term, (1.0 + (*tf as f32).ln()) * idf)
                })
                .collect();
            // Sorted before the norm is summed: a map's order differs between processes, and so
            // would the last bits of every similarity.
            vector.sort_unstable_by_key(|(t, _)| *t);
            let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                vector.iter_mut().for_each(|(_, w)| *w /= norm);
            }
            vector
        })
        .collect()
}

fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

fn all_pairs(members: &[usize]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::with_capacity(members.len() * (members.len() - 1) / 2);
    for (k, &a) in members.iter().enumerate() {
        for &b in &members[k + 1..] {
            pairs.push((a, b));
        }
    }
    pairs
}

/// Candidate pairs of a large block: filings whose MinHash agrees on a band. A bucket's members
/// are paired with their next few neighbours only: near-duplicates need a chain, not a clique.
fn minhash_pairs(members: &[usize], features: &[Features]) -> Vec<(usize, usize)> {
    const BANDS: usize = 12;
    const ROWS: usize = 2;
    const CHAIN: usize = 4;
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for &i in members {
        let mut signature = [u32::MAX; BANDS * ROWS];
        for (term, _) in &features[i].vector {
            for (h, slot) in signature.iter_mut().enumerate() {
                let seeded = term
                    .wrapping_mul(0x9e37_79b1)
                    .wrapping_add((h as u32).wrapping_mul(0x85eb_ca6b));
                let mixed = (seeded ^ (seeded >> 15)).wrapping_mul(0xc2b2_ae35);
                *slot = (*slot).min(mixed ^ (mixed >> 13));
            }
        }
        for band in 0..BANDS {
            let rows = &signature[band * ROWS..(band + 1) * ROWS];
            let key = rows
                .iter()
                .fold(0u64, |acc, r| acc.rotate_left(32) ^ *r as u64);
            buckets.entry((band, key)).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for bucket in buckets.values() {
        for (k, &a) in bucket.iter().enumerate() {
            for &b in bucket.iter().skip(k + 1).take(CHAIN) {
                pairs.push((a, b));
            }
        }
    }
    pairs
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// What a wave shares, what differs, and its representative.
fn describe(id: String, group: &[usize], filings: &[Filing], features: &[Features]) -> Wave {
    let n = group.len();
    let most = |count: usize| count * 2 > n || count == n;
    // Parties by key: those most members name are the wave's repeat parties.
    let mut party_count: HashMap<(bool, &str), (usize, Vec<&str>)> = HashMap::new();
    for &i in group {
        let mut once = HashSet::new();
        for (plaintiff, party) in &features[i].parties {
            let entry = party_count
                .entry((*plaintiff, party.key.as_str()))
                .or_default();
            if once.insert((*plaintiff, party.key.as_str())) {
                entry.0 += 1;
            }
            if !entry.1.contains(&party.name.as_str()) {
                entry.1.push(&party.name);
            }
        }
    }
    let mut parties: Vec<SharedParty> = party_count
        .iter()
        .filter(|(_, (count, _))| most(*count) && *count >= 2)
        .map(|((plaintiff, key), (_, names))| SharedParty {
            role: if *plaintiff { "原告" } else { "被告" }.to_string(),
            key: key.to_string(),
            names: names.iter().map(|s| s.to_string()).collect(),
        })
        .collect();
    parties.sort_by(|a, b| a.role.cmp(&b.role).then(a.key.cmp(&b.key)));
    let shared_keys: HashSet<&str> = parties.iter().map(|p| p.key.as_str()).collect();
    let majority = |lists: &mut dyn Iterator<Item = &Vec<String>>| {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for list in lists {
            let unique: HashSet<&str> = list.iter().map(String::as_str).collect();
            for item in unique {
                *count.entry(item).or_default() += 1;
            }
        }
        let mut shared: Vec<String> = count
            .into_iter()
            .filter(|(_, c)| most(*c))
            .map(|(s, _)| s.to_string())
            .collect();
        shared.sort();
        shared
    };
    let mut cause_count: HashMap<&str, usize> = HashMap::new();
    for &i in group {
        if let Some(cause) = &features[i].cause {
            *cause_count.entry(cause).or_default() += 1;
        }
    }
    let cause = cause_count
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.to_string());
    let elements = majority(&mut group.iter().map(|&i| &features[i].elements));
    let issues = majority(&mut group.iter().map(|&i| &features[i].issues));

    // Centrality: mean cosine to the other members (a sample of them in a very large wave).
    let sample: Vec<usize> = group.iter().step_by(n.div_ceil(200)).copied().collect();
    let centrality: Vec<f32> = group
        .iter()
        .map(|&i| {
            let sum: f32 = sample
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| cosine(&features[i].vector, &features[j].vector))
                .sum();
            sum / (sample.len().saturating_sub(1).max(1)) as f32
        })
        .collect();
    let mut totals: Vec<f64> = group
        .iter()
        .map(|&i| features[i].amounts.iter().copied().fold(0.0, f64::max))
        .filter(|a| *a > 0.0)
        .collect();
    totals.sort_by(f64::total_cmp);
    let median = totals.get(totals.len() / 2).copied();
    let longest = group.iter().map(|&i| features[i].chars).max().unwrap_or(1) as f32;
    let score = |k: usize| {
        let i = group[k];
        let completeness = features[i].chars as f32 / longest;
        let typical = match (median, features[i].amounts.iter().copied().reduce(f64::max)) {
            (Some(m), Some(a)) if m > 0.0 => 1.0 - ((a - m).abs() / m).min(1.0) as f32,
            _ => 0.0,
        };
        centrality[k] + 0.15 * completeness + 0.1 * typical
    };
    let best = (0..n)
        .max_by(|&a, &b| score(a).total_cmp(&score(b)).then(b.cmp(&a)))
        .unwrap_or(0);
    let rep = group[best];
    let mut reason = format!(
        "与本系列其他案件的平均相似度最高或接近最高（{:.2}）；事实叙述 {} 字（本系列最长 {} 字）",
        centrality[best], features[rep].chars, longest as usize
    );
    if let (Some(m), Some(a)) = (
        median,
        features[rep].amounts.iter().copied().reduce(f64::max),
    ) {
        reason.push_str(&format!(
            "；主要金额 {} 元，本系列中位数 {} 元",
            yuan(a),
            yuan(m)
        ));
    }
    let differences = group
        .iter()
        .map(|&i| MemberRow {
            id: filings[i].id.clone(),
            amounts: features[i].amounts.clone(),
            dates: features[i].dates.clone(),
            other_parties: features[i]
                .parties
                .iter()
                .filter(|(_, p)| !shared_keys.contains(p.key.as_str()))
                .map(|(_, p)| p.name.clone())
                .collect(),
            similarity: if i == rep {
                1.0
            } else {
                cosine(&features[i].vector, &features[rep].vector).min(1.0)
            },
            chars: features[i].chars,
        })
        .collect();
    Wave {
        id,
        members: group.iter().map(|&i| filings[i].id.clone()).collect(),
        shared: Shared {
            parties,
            cause,
            elements,
            issues,
        },
        differences,
        representative: Representative {
            id: filings[rep].id.clone(),
            reason,
        },
        precedents: Vec::new(),
        demonstrative: None,
    }
}

/// How many waves get precedents looked up (largest first): one search each.
pub const PRECEDENT_WAVES: usize = 200;

impl crate::Service {
    /// Adds to each wave (the largest [`PRECEDENT_WAVES`]) the indexed judgments that decide its
    /// issue, by authority tier, searched with the representative's text (BM25, judgments only);
    /// an indexed judgment naming the wave's repeat party under the same cause is proposed as the
    /// demonstrative judgment.
    pub fn add_precedents(
        &self,
        batch: &mut Batch,
        filings: &[Filing],
        top_k: usize,
    ) -> crate::Result<()> {
        self.add_precedents_with(batch, filings, top_k, &crate::Silent)
    }

    /// [`Service::add_precedents`], reporting each wave searched to `progress`.
    pub fn add_precedents_with(
        &self,
        batch: &mut Batch,
        filings: &[Filing],
        top_k: usize,
        progress: &dyn crate::Progress,
    ) -> crate::Result<()> {
        let text_of: HashMap<&str, &str> = filings
            .iter()
            .map(|f| (f.id.as_str(), f.text.as_str()))
            .collect();
        let searched = batch.waves.len().min(PRECEDENT_WAVES);
        progress.begin("检索各系列的已有类案", Some(searched as u64));
        for (done, wave) in batch.waves.iter_mut().take(PRECEDENT_WAVES).enumerate() {
            progress.update(done as u64);
            let Some(text) = text_of.get(wave.representative.id.as_str()) else {
                continue;
            };
            let request = crate::ResearchRequest {
                scope: crate::Scope::Judgment,
                mode: leian_search::Mode::Bm25,
                top_k,
                linking: false,
                ..crate::ResearchRequest::new(text.to_string())
            };
            let research = self.research(&request)?;
            let mut precedents: Vec<Precedent> = research
                .judgments
                .iter()
                .map(|hit| Precedent {
                    id: hit.hit.id.clone(),
                    title: hit.hit.title.clone(),
                    score: hit.hit.score,
                    tier: hit.authority.rank,
                    tier_reason: hit.authority.reason.clone(),
                    case_number: hit.case_number.clone(),
                    causes: hit.hit.causes.clone(),
                })
                .collect();
            precedents.sort_by(|a, b| a.tier.cmp(&b.tier).then(b.score.total_cmp(&a.score)));
            let ids: Vec<String> = precedents.iter().map(|p| p.id.clone()).collect();
            let documents = self
                .engine
                .store()
                .documents(&ids)
                .map_err(leian_search::SearchError::from)?;
            let keys: Vec<&str> = wave.shared.parties.iter().map(|p| p.key.as_str()).collect();
            // The wave's cause, or another the representative's facts point to: the analysis
            // and a judgment's own 案由 may name neighbouring causes (借款合同 / 民间借贷).
            let mut causes: Vec<String> = analyze_text(text)
                .causes
                .iter()
                .take(3)
                .map(|c| c.name.clone())
                .collect();
            causes.extend(wave.shared.cause.clone());
            wave.demonstrative = precedents
                .iter()
                .zip(documents)
                .find(|(precedent, document)| {
                    let Some(leian_core::Document::Judgment(judgment)) = document else {
                        return false;
                    };
                    // No cause read from the facts: the repeat party and the text decide.
                    let same_cause =
                        causes.is_empty() || precedent.causes.iter().any(|c| causes.contains(c));
                    let same_party = judgment_parties(judgment)
                        .iter()
                        .any(|party| keys.contains(&party.key.as_str()));
                    same_cause && same_party
                })
                .map(|(precedent, _)| precedent.clone());
            wave.precedents = precedents;
        }
        progress.update(searched as u64);
        progress.end(&format!("已为 {searched} 个系列检索已有类案"));
        Ok(())
    }
}

/// The batch as a Markdown or self-contained HTML document: each wave with its shared and
/// differing facts as tables, the representative and the precedents.
pub fn render(batch: &Batch, format: crate::ReportFormat) -> String {
    let markdown = render_markdown(batch);
    match format {
        crate::ReportFormat::Markdown => markdown,
        crate::ReportFormat::Html => render_html(batch),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn amounts(row: &MemberRow) -> String {
    if row.amounts.is_empty() {
        return "—".to_string();
    }
    row.amounts
        .iter()
        .take(4)
        .map(|a| format!("{} 元", yuan(*a)))
        .collect::<Vec<_>>()
        .join("、")
}

fn list_or_dash(items: &[String], take: usize) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items
            .iter()
            .take(take)
            .cloned()
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn shared_rows(wave: &Wave) -> Vec<(&'static str, String)> {
    let parties = if wave.shared.parties.is_empty() {
        "—".to_string()
    } else {
        wave.shared
            .parties
            .iter()
            .map(|p| format!("{}：{}（{}）", p.role, p.key, p.names.join("、")))
            .collect::<Vec<_>>()
            .join("；")
    };
    vec![
        ("共同当事人", parties),
        (
            "案由",
            wave.shared
                .cause
                .clone()
                .unwrap_or_else(|| "未识别".to_string()),
        ),
        ("共同要素", list_or_dash(&wave.shared.elements, 12)),
        ("争议焦点", list_or_dash(&wave.shared.issues, 5)),
    ]
}

fn render_markdown(batch: &Batch) -> String {
    let mut out = String::new();
    out.push_str("# 系列案件分组\n\n");
    out.push_str(&format!(
        "共 {} 件，分为 {} 个系列（{} 件），{} 件未归入系列。\n\n",
        batch.filings,
        batch.waves.len(),
        batch.waves.iter().map(|w| w.members.len()).sum::<usize>(),
        batch.singletons.len()
    ));
    for wave in &batch.waves {
        out.push_str(&format!(
            "## 系列 {}（{} 件）\n\n",
            wave.id,
            wave.members.len()
        ));
        out.push_str("### 相同之处\n\n| 项目 | 内容 |\n|---|---|\n");
        for (name, value) in shared_rows(wave) {
            out.push_str(&format!("| {name} | {} |\n", cell(&value)));
        }
        out.push_str(&format!(
            "\n### 建议示范性首案：{}\n\n{}\n\n",
            wave.representative.id, wave.representative.reason
        ));
        out.push_str("### 不同之处\n\n| 案件 | 金额 | 日期 | 其他当事人 | 与首案相似度 | 字数 |\n|---|---|---|---|---|---|\n");
        for row in &wave.differences {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.2} | {} |\n",
                cell(&row.id),
                amounts(row),
                list_or_dash(&row.dates, 3),
                cell(&list_or_dash(&row.other_parties, 4)),
                row.similarity,
                row.chars
            ));
        }
        if let Some(demo) = &wave.demonstrative {
            out.push_str(&format!(
                "\n### 建议作为示范判决的已决案件\n\n{}（{}）：与本系列同一当事人、同一案由。\n",
                cell(&demo.title),
                demo.case_number.as_deref().unwrap_or(&demo.id)
            ));
        }
        if !wave.precedents.is_empty() {
            out.push_str("\n### 已有类案（按效力层级）\n\n| 层级 | 裁判文书 | 案由 | 理由 |\n|---|---|---|---|\n");
            for p in &wave.precedents {
                out.push_str(&format!(
                    "| {} | {}（{}） | {} | {} |\n",
                    p.tier,
                    cell(&p.title),
                    cell(p.case_number.as_deref().unwrap_or(&p.id)),
                    cell(&p.causes.join("、")),
                    cell(&p.tier_reason)
                ));
            }
        }
        out.push('\n');
    }
    if !batch.singletons.is_empty() {
        out.push_str("## 未归入系列的案件\n\n");
        out.push_str(&batch.singletons.join("、"));
        out.push('\n');
    }
    out
}

fn render_html(batch: &Batch) -> String {
    use crate::report::escape_html as e;
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>系列案件分组</title>\
         <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.6}\
         table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:.3em .6em;vertical-align:top}\
         th{background:#f1f1f1}</style></head><body>\n<h1>系列案件分组</h1>\n",
    );
    out.push_str(&format!(
        "<p>共 {} 件，分为 {} 个系列，{} 件未归入系列。</p>\n",
        batch.filings,
        batch.waves.len(),
        batch.singletons.len()
    ));
    for wave in &batch.waves {
        out.push_str(&format!(
            "<section id=\"{}\"><h2>系列 {}（{} 件）</h2>\n<h3>相同之处</h3><table>",
            e(&wave.id),
            e(&wave.id),
            wave.members.len()
        ));
        for (name, value) in shared_rows(wave) {
            out.push_str(&format!("<tr><th>{name}</th><td>{}</td></tr>", e(&value)));
        }
        out.push_str(&format!(
            "</table>\n<h3>建议示范性首案：{}</h3><p>{}</p>\n<h3>不同之处</h3><table>\
             <tr><th>案件</th><th>金额</th><th>日期</th><th>其他当事人</th><th>与首案相似度</th><th>字数</th></tr>",
            e(&wave.representative.id),
            e(&wave.representative.reason)
        ));
        for row in &wave.differences {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td></tr>",
                e(&row.id),
                e(&amounts(row)),
                e(&list_or_dash(&row.dates, 3)),
                e(&list_or_dash(&row.other_parties, 4)),
                row.similarity,
                row.chars
            ));
        }
        out.push_str("</table>\n");
        if let Some(demo) = &wave.demonstrative {
            out.push_str(&format!(
                "<h3>建议作为示范判决的已决案件</h3><p>{}（{}）：与本系列同一当事人、同一案由。</p>\n",
                e(&demo.title),
                e(demo.case_number.as_deref().unwrap_or(&demo.id))
            ));
        }
        if !wave.precedents.is_empty() {
            out.push_str("<h3>已有类案（按效力层级）</h3><table><tr><th>层级</th><th>裁判文书</th><th>案由</th><th>理由</th></tr>");
            for p in &wave.precedents {
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}（{}）</td><td>{}</td><td>{}</td></tr>",
                    p.tier,
                    e(&p.title),
                    e(p.case_number.as_deref().unwrap_or(&p.id)),
                    e(&p.causes.join("、")),
                    e(&p.tier_reason)
                ));
            }
            out.push_str("</table>\n");
        }
        out.push_str("</section>\n");
    }
    if !batch.singletons.is_empty() {
        out.push_str(&format!(
            "<h2>未归入系列的案件</h2><p>{}</p>\n",
            e(&batch.singletons.join("、"))
        ));
    }
    out.push_str("</body></html>\n");
    out
}

/// A sum in yuan as a court writes it: no trailing `.00`.
pub fn yuan(value: f64) -> String {
    if value.fract().abs() < 0.005 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Pairwise agreement of a clustering with labels: precision, recall and F1 over the pairs put
/// in one wave, and the adjusted Rand index (filings without a label are their own clusters).
#[derive(Debug, Clone, Serialize)]
pub struct ClusterMetrics {
    pub pair_precision: f64,
    pub pair_recall: f64,
    pub pair_f1: f64,
    pub ari: f64,
    pub queries: usize,
    pub waves_true: usize,
    pub waves_found: usize,
}

pub fn cluster_metrics(truth: &[Option<String>], found: &[Option<String>]) -> ClusterMetrics {
    // Singletons become clusters of their own, named by position.
    let label = |labels: &[Option<String>]| -> Vec<String> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| l.clone().unwrap_or_else(|| format!("\u{0}{i}")))
            .collect()
    };
    let (t, f) = (label(truth), label(found));
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut joint: HashMap<(&str, &str), u64> = HashMap::new();
    let mut rows: HashMap<&str, u64> = HashMap::new();
    let mut cols: HashMap<&str, u64> = HashMap::new();
    for (a, b) in t.iter().zip(&f) {
        *joint.entry((a, b)).or_default() += 1;
        *rows.entry(a).or_default() += 1;
        *cols.entry(b).or_default() += 1;
    }
    let together_both: u64 = joint.values().map(|&n| pairs(n)).sum();
    let together_truth: u64 = rows.values().map(|&n| pairs(n)).sum();
    let together_found: u64 = cols.values().map(|&n| pairs(n)).sum();
    let total = pairs(t.len() as u64) as f64;
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = ratio(together_both, together_found);
    let recall = ratio(together_both, together_truth);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let expected = if total > 0.0 {
        together_truth as f64 * together_found as f64 / total
    } else {
        0.0
    };
    let max = (together_truth + together_found) as f64 / 2.0;
    let ari = if (max - expected).abs() < f64::EPSILON {
        1.0
    } else {
        (together_both as f64 - expected) / (max - expected)
    };
    let waves = |labels: &[Option<String>]| labels.iter().flatten().collect::<HashSet<_>>().len();
    ClusterMetrics {
        pair_precision: precision,
        pair_recall: recall,
        pair_f1: f1,
        ari,
        queries: t.len(),
        waves_true: waves(truth),
        waves_found: waves(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, text: &str) -> String {
        serde_json::json!({"id": id, "text": text}).to_string()
    }

    #[test]
    fn bad_input_is_refused_with_line_numbers() {
        assert_eq!(
            read_filings("\n\n", InputFormat::Jsonl),
            Err(BatchError::Empty)
        );
        let input = [
            line("a", "原告诉称"),
            "{not json".to_string(),
            r#"{"id":"b"}"#.to_string(),
            line("a", "又一个"),
        ]
        .join("\n");
        let Err(BatchError::Lines(problems)) = read_filings(&input, InputFormat::Jsonl) else {
            panic!("bad lines accepted");
        };
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        let message = BatchError::Lines(problems).to_string();
        assert!(message.contains("第 2 行：不是有效的 JSON"), "{message}");
        assert!(message.contains("第 3 行：案件 b 缺少 text"), "{message}");
        assert!(
            message.contains("第 4 行：案件编号 a 重复（第 1 行已出现）"),
            "{message}"
        );
    }

    #[test]
    fn csv_with_quoted_commas() {
        let input = "id,text\nc1,\"原告某银行诉称，被告透支未还。\"\nc2,\"\"\n";
        assert_eq!(InputFormat::detect(None, input), InputFormat::Csv);
        let Err(BatchError::Lines(problems)) = read_filings(input, InputFormat::Csv) else {
            panic!("empty text accepted");
        };
        assert_eq!(problems[0].line, 3);
        let ok = read_filings("id,text\nc1,\"原告诉称，被告未还。\"\n", InputFormat::Csv).unwrap();
        assert_eq!(ok[0].text, "原告诉称，被告未还。");
        assert_eq!(
            read_filings("name,text\nc1,x\n", InputFormat::Csv),
            Err(BatchError::MissingColumn("id"))
        );
    }

    #[test]
    fn size_limit() {
        let input = "{}\n".repeat(MAX_FILINGS + 1);
        assert!(matches!(
            read_filings(&input, InputFormat::Jsonl),
            Err(BatchError::TooLarge { .. })
        ));
    }

    fn filing(id: &str, text: &str) -> Filing {
        Filing {
            id: id.to_string(),
            text: text.to_string(),
            parties: None,
            claims: None,
            wave: None,
        }
    }

    #[test]
    fn one_wave_and_a_singleton() {
        let card = |who: &str, sum: &str, date: &str| {
            format!(
                "原告招商银行股份有限公司信用卡中心诉称，被告{who}于{date}向原告申领信用卡一张，\
                 此后使用该卡透支消费，截至起诉之日尚欠透支本金{sum}元及利息、滞纳金未还，\
                 经原告多次催收，被告仍未还款，故诉至法院，请求判令被告偿还欠款本息。"
            )
        };
        let filings = vec![
            filing("1", &card("刘x2", "35000", "2016年3月5日")),
            filing("2", &card("王x7", "18200.50", "2017年1月9日")),
            filing("3", &card("陈x1", "9000", "2015年11月20日")),
            filing(
                "4",
                "原告曹0与被告张x1原系夫妻关系，婚后生育一女，因感情不和，原告诉至法院请求离婚并抚养女儿。",
            ),
        ];
        let batch = cluster(&filings, &ClusterSettings::default());
        assert_eq!(batch.waves.len(), 1, "{batch:#?}");
        let wave = &batch.waves[0];
        assert_eq!(wave.members, ["1", "2", "3"]);
        assert_eq!(batch.singletons, ["4"]);
        assert_eq!(wave.shared.parties[0].key, "招商银行");
        assert_eq!(wave.shared.parties[0].role, "原告");
        assert!(wave.shared.elements.contains(&"透支".to_string()));
        let row = wave.differences.iter().find(|r| r.id == "2").unwrap();
        assert_eq!(row.amounts, [18200.5]);
        assert_eq!(row.other_parties, ["王x7"]);
        assert_eq!(row.dates, ["2017年1月9日"]);
        assert!(wave.representative.reason.contains("平均相似度"));
        let labels = batch.labels(&filings);
        let truth = [Some("a".into()), Some("a".into()), Some("a".into()), None];
        let metrics = cluster_metrics(&truth, &labels);
        assert_eq!((metrics.pair_f1, metrics.ari), (1.0, 1.0));
    }

    #[test]
    fn different_repeat_parties_are_different_waves() {
        let loan = |lender: &str, who: &str| {
            format!(
                "原告{lender}诉称，被告{who}向原告借款并出具借条，约定月息一分，到期后被告未按约还款，\
                 原告多次催要无果，请求判令被告归还借款本金及利息。"
            )
        };
        let filings = vec![
            filing("a1", &loan("郑x9", "孙x1")),
            filing("a2", &loan("郑x9", "钱x2")),
            filing("b1", &loan("冯x5", "周x3")),
            filing("b2", &loan("冯x5", "吴x4")),
        ];
        let batch = cluster(&filings, &ClusterSettings::default());
        let labels = batch.labels(&filings);
        assert_eq!(labels[0], labels[1]);
        assert_eq!(labels[2], labels[3]);
        assert_ne!(labels[0], labels[2]);
    }

    #[test]
    fn large_blocks_take_minhash_neighbours() {
        // The same two waves with every block over the exact limit: MinHash finds the pairs.
        let loan = |lender: &str, who: &str, sum: u32| {
            format!(
                "原告{lender}诉称，被告{who}向原告借款{sum}元并出具借条，约定月息一分，到期后被告未按约还款，\
                 原告多次催要无果，请求判令被告归还借款本金及利息。"
            )
        };
        let filings: Vec<Filing> = (0..12)
            .map(|k| {
                let lender = if k % 2 == 0 { "郑x9" } else { "冯x5" };
                filing(
                    &format!("f{k}"),
                    &loan(lender, &format!("孙x{k}"), 1000 + k),
                )
            })
            .collect();
        let settings = ClusterSettings {
            exact_block: 2,
            ..ClusterSettings::default()
        };
        let batch = cluster(&filings, &settings);
        assert_eq!(batch.waves.len(), 2, "{batch:#?}");
        let labels = batch.labels(&filings);
        assert!((0..12).all(|k| labels[k] == labels[k % 2]));
    }

    #[test]
    fn metrics_match_hand_computation() {
        let s = |v: &[Option<&str>]| v.iter().map(|x| x.map(str::to_string)).collect::<Vec<_>>();
        let truth = s(&[Some("a"), Some("a"), Some("b"), Some("b"), None]);
        let found = s(&[Some("x"), Some("x"), Some("x"), None, None]);
        let m = cluster_metrics(&truth, &found);
        // found pairs: (0,1),(0,2),(1,2); true pairs: (0,1),(2,3); shared: (0,1).
        assert!((m.pair_precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((m.pair_recall - 0.5).abs() < 1e-9);
        // ARI: index 1, expected 2*3/10 = 0.6, max 2.5 → (1-0.6)/(2.5-0.6).
        assert!((m.ari - 0.4 / 1.9).abs() < 1e-9);
    }
}
