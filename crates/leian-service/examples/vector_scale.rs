//! The vector index at court scale: recall@10 of the quantised HNSW graph (with exact rescoring)
//! against exact search over the same vectors, dense query latency and memory, at N judgments.
//!
//! ```text
//! cargo run --release -p leian-service --example vector_scale -- \
//!     --index IDX [--n 100000] [--vectors i8|b1|f32] [--queries Q.jsonl] [--query-count 500] \
//!     [--work DIR] [--noise 0.35] [--json] [--calibrate]
//! ```
//!
//! Embedding a million real judgments takes weeks on two cores, so the vectors are made from real
//! ones. `IDX` is a snapshot with m3e vectors (`../shared/bin/eval-dev` builds one: the shipped
//! 3,662 judgments, about 13k passages). Synthetic judgment `i` takes a real judgment `t` as
//! template (so the number of passages and the cause mix are the real ones) and a partner `p` of
//! the same cause; each of its passages is
//!
//! ```text
//! normalise(w · t_j + (1 − w) · p_k + σ · g),   w ~ U(0.5, 1), k random, g ~ N(0, I / dim)
//! ```
//!
//! a real passage pulled toward another judgment of its cause plus noise of norm about σ; every
//! synthetic judgment is distinct, and near-duplicates crowd around each real one as they do in
//! a court's archive of template judgments. `--calibrate` prints the similarity distribution of
//! the real vectors and of as many synthetic ones for several σ (the default σ is the one whose
//! distribution is closest). Queries are the real m3e vectors of the cjrc-same-cause queries
//! (their first 128 tokens, as served), from the model cache.
//!
//! The graph is searched in a child process that opens the built vectors as a server would, so
//! its memory (`VmRSS`, anonymous and file-backed) is that of serving, not of building; exact
//! search runs in this process.
//!
//! `--attach-to BIG` gives every judgment of the snapshot `BIG` (a `leian index --no-embed` of the
//! scale generator's corpus, `bench/scale.sh`) synthetic vectors the same way, its template a real
//! judgment of the same cause, and attaches them with their graph as `leian embed` would (a new
//! snapshot replaces `BIG`; copy it first with `cp -al` to keep the text-only one). The result is
//! a snapshot that serves hybrid search at court scale, with the real model encoding the queries:
//!
//! ```text
//! cargo run --release -p leian-service --example vector_scale -- --index IDX --attach-to BIG
//! ```
//!
//! `--measure BIG` measures recall@10 and latency, as above, on the vectors and graph a snapshot
//! already has (such as `BIG` after `--attach-to`), without building anything:
//!
//! ```text
//! cargo run --release -p leian-service --example vector_scale -- --measure BIG [--query-count 500]
//! ```

use leian_core::{Document, QueryEncoder};
use leian_index::{DenseInfo, Quantization, Snapshot, VectorWriter, Vectors};
use leian_service::encoder::ModelEncoder;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Candidates the engine asks of dense search before fusion (`fusion_candidates`).
const ENGINE_POOL: usize = 100;

struct Args {
    index: PathBuf,
    n: usize,
    quantization: Quantization,
    queries: PathBuf,
    query_count: usize,
    work: Option<PathBuf>,
    noise: f32,
    json: bool,
    calibrate: bool,
    probe: Option<PathBuf>,
    /// With `--probe`: the snapshot whose vectors the probe opens (else the probe's folder).
    vectors_at: Option<PathBuf>,
    attach_to: Option<PathBuf>,
    measure: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "用法：vector_scale --index 带向量的索引 [--n 文书数，默认 100000] [--vectors i8|b1|f32] \
         [--queries 查询 JSONL] [--query-count 500] [--work 临时文件夹] [--noise 0.35] [--json] [--calibrate] \
         [--attach-to 无向量的大索引] [--measure 带向量和图的索引]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        index: PathBuf::new(),
        n: 100_000,
        quantization: Quantization::I8,
        queries: PathBuf::from("../shared/data/eval/cjrc-same-cause/queries.jsonl"),
        query_count: 500,
        work: None,
        noise: DEFAULT_NOISE,
        json: false,
        calibrate: false,
        probe: None,
        vectors_at: None,
        attach_to: None,
        measure: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--index" => args.index = value().into(),
            "--n" => args.n = value().parse().unwrap_or_else(|_| usage()),
            "--vectors" => {
                args.quantization = Quantization::parse(&value()).unwrap_or_else(|| usage())
            }
            "--queries" => args.queries = value().into(),
            "--query-count" => args.query_count = value().parse().unwrap_or_else(|_| usage()),
            "--work" => args.work = Some(value().into()),
            "--noise" => args.noise = value().parse().unwrap_or_else(|_| usage()),
            "--json" => args.json = true,
            "--calibrate" => args.calibrate = true,
            "--probe" => args.probe = Some(value().into()),
            "--vectors-at" => args.vectors_at = Some(value().into()),
            "--attach-to" => args.attach_to = Some(value().into()),
            "--measure" => args.measure = Some(value().into()),
            _ => usage(),
        }
    }
    if args.probe.is_none() && args.measure.is_none() && args.index.as_os_str().is_empty() {
        usage()
    }
    args
}

/// σ chosen with `--calibrate` on the development index (README, "Vectors at court scale").
const DEFAULT_NOISE: f32 = 0.35;

/// splitmix64: deterministic, so a run at N is the same corpus every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// A standard normal (Box–Muller).
    fn normal(&mut self) -> f32 {
        let u = self.unit().max(1e-7);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f32::consts::PI * v).cos()
    }
}

/// The real corpus: each judgment's passage rows and cause.
struct Real {
    dimension: usize,
    /// Row-major unit vectors.
    rows: Vec<f32>,
    /// Per document: its first row and number of rows.
    docs: Vec<(usize, usize)>,
    /// Documents of the same cause as each document (itself included).
    same_cause: Vec<std::sync::Arc<Vec<usize>>>,
    /// Documents by cause.
    by_cause: HashMap<String, std::sync::Arc<Vec<usize>>>,
}

impl Real {
    fn row(&self, i: usize) -> &[f32] {
        &self.rows[i * self.dimension..(i + 1) * self.dimension]
    }
}

fn load_real(index: &Path) -> (Real, DenseInfo) {
    let snapshot = Snapshot::open(index).unwrap_or_else(|e| fail(&e.to_string()));
    let info = snapshot
        .manifest()
        .dense
        .clone()
        .unwrap_or_else(|| fail("索引没有向量：请用不带 --no-embed 的 leian index 建立"));
    let causes: HashMap<String, String> = snapshot
        .all_documents()
        .unwrap_or_else(|e| fail(&e.to_string()))
        .into_iter()
        .filter_map(|d| match d {
            Document::Judgment(j) => Some((j.id, j.causes.first().cloned().unwrap_or_default())),
            Document::Statute(_) => None,
        })
        .collect();
    let dir = snapshot.dir().join("vectors");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| fail(&e.to_string()));
    let rows: Vec<f32> = read("passages.f32")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let owners: Vec<u32> = read("owners.u32")
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let ids: Vec<String> =
        serde_json::from_slice(&read("docs.json")).unwrap_or_else(|e| fail(&e.to_string()));
    let mut docs = vec![(0usize, 0usize); ids.len()];
    for (row, &owner) in owners.iter().enumerate() {
        let entry = &mut docs[owner as usize];
        if entry.1 == 0 {
            entry.0 = row;
        }
        entry.1 += 1;
    }
    let mut by_cause: HashMap<&str, Vec<usize>> = HashMap::new();
    for (doc, id) in ids.iter().enumerate() {
        let cause = causes.get(id).map_or("", String::as_str);
        by_cause.entry(cause).or_default().push(doc);
    }
    let groups: HashMap<&str, std::sync::Arc<Vec<usize>>> = by_cause
        .into_iter()
        .map(|(cause, docs)| (cause, std::sync::Arc::new(docs)))
        .collect();
    let same_cause = ids
        .iter()
        .map(|id| groups[causes.get(id).map_or("", String::as_str)].clone())
        .collect();
    let by_cause = groups
        .iter()
        .map(|(cause, docs)| (cause.to_string(), docs.clone()))
        .collect();
    let real = Real {
        dimension: info.dimension,
        rows,
        docs,
        same_cause,
        by_cause,
    };
    (real, info)
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1)
}

/// The passages of synthetic judgment `i` (see the module documentation).
fn synthetic(real: &Real, rng: &mut Rng, noise: f32) -> Vec<Vec<f32>> {
    let template = rng.below(real.docs.len());
    synthetic_from(real, template, rng, noise)
}

/// The passages of a synthetic judgment made from the real judgment `template`.
fn synthetic_from(real: &Real, template: usize, rng: &mut Rng, noise: f32) -> Vec<Vec<f32>> {
    let group = &real.same_cause[template];
    let partner = group[rng.below(group.len())];
    let (start, count) = real.docs[template];
    let (p_start, p_count) = real.docs[partner];
    let dimension = real.dimension;
    let scale = noise / (dimension as f32).sqrt();
    (0..count)
        .map(|j| {
            let w = 0.5 + 0.5 * rng.unit();
            let t = real.row(start + j);
            let p = real.row(p_start + rng.below(p_count.max(1)));
            let mut v: Vec<f32> = (0..dimension)
                .map(|d| w * t[d] + (1.0 - w) * p[d] + scale * rng.normal())
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}

fn query_vectors(args: &Args, info: &DenseInfo) -> Vec<Vec<f32>> {
    let model = ModelEncoder::load(&info.model)
        .and_then(ModelEncoder::cache_queries)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let text = std::fs::read_to_string(&args.queries).unwrap_or_else(|e| fail(&e.to_string()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(args.query_count)
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| fail(&e.to_string()));
            let text = value["text"].as_str().unwrap_or_default();
            model.encode(text).unwrap_or_else(|e| fail(&e.to_string()))
        })
        .collect()
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Memory of this process from `/proc/self/status`, in MiB.
fn memory() -> serde_json::Value {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(serde_json::Value::Null, |kb| {
                serde_json::json!((kb / 1024.0 * 10.0).round() / 10.0)
            })
    };
    serde_json::json!({
        "rss_mib": field("VmRSS:"),
        "rss_anon_mib": field("RssAnon:"),
        "rss_file_mib": field("RssFile:"),
        "peak_rss_mib": field("VmHWM:"),
    })
}

fn write_queries(path: &Path, queries: &[Vec<f32>]) {
    let bytes: Vec<u8> = queries
        .iter()
        .flat_map(|q| q.iter().flat_map(|x| x.to_le_bytes()))
        .collect();
    std::fs::write(path, bytes).unwrap_or_else(|e| fail(&e.to_string()));
}

fn read_queries(path: &Path, dimension: usize) -> Vec<Vec<f32>> {
    std::fs::read(path)
        .unwrap_or_else(|e| fail(&e.to_string()))
        .chunks_exact(4 * dimension)
        .map(|q| {
            q.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect()
}

/// The child: opens the vectors as a server does, searches every query through the graph (10
/// documents, 10 passages, the engine's 100 documents asking for fewer and fewer passages),
/// reports what it found, the time and the memory.
fn probe(dir: &Path, vectors_at: Option<&Path>) {
    let info: DenseInfo = serde_json::from_slice(
        &std::fs::read(dir.join("dense.json")).unwrap_or_else(|e| fail(&e.to_string())),
    )
    .unwrap_or_else(|e| fail(&e.to_string()));
    let started = Instant::now();
    let mut vectors =
        Vectors::open(vectors_at.unwrap_or(dir), &info).unwrap_or_else(|e| fail(&e.to_string()));
    let open_ms = started.elapsed().as_secs_f64() * 1000.0;
    let after_open = memory();
    let queries = read_queries(&dir.join("queries.f32"), info.dimension);
    // The first search waits for the background checksum of large files; not a query's cost.
    let started = Instant::now();
    vectors
        .search(&queries[0], None, 1)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let check_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (mut docs10, mut passages10, mut ms10) = (Vec::new(), Vec::new(), Vec::new());
    for query in &queries {
        let started = Instant::now();
        let hits = vectors.search(query, None, 10).unwrap();
        ms10.push(started.elapsed().as_secs_f64() * 1000.0);
        docs10.push(hits.into_iter().map(|h| h.0).collect::<Vec<_>>());
        let rows = vectors.nearest_passages(query, 10, false).unwrap();
        passages10.push(rows.into_iter().map(|r| r.0).collect::<Vec<_>>());
    }
    // The engine's pool of 100 documents, asking the graph for fewer passages per document
    // than the default 4 (the quantisation's oversampling comes on top).
    let pools: Vec<serde_json::Value> = POOL_PASSAGES_PER_DOCUMENT
        .iter()
        .map(|&per_document| {
            vectors.set_graph_passages_per_document(per_document);
            let (mut docs, mut ms) = (Vec::new(), Vec::new());
            for query in &queries {
                let started = Instant::now();
                let hits = vectors.search(query, None, ENGINE_POOL).unwrap();
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
                docs.push(hits.into_iter().map(|h| h.0).collect::<Vec<_>>());
            }
            serde_json::json!({"passages_per_document": per_document, "docs": docs, "ms": ms})
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "open_ms": open_ms,
            "first_search_ms": check_ms,
            "memory_after_open": after_open,
            "memory_after_queries": memory(),
            "ms10": ms10,
            "docs10": docs10,
            "passages10": passages10,
            "pools": pools,
        })
    );
}

/// Passages per document the engine's pool is measured with; the first is the default.
const POOL_PASSAGES_PER_DOCUMENT: [usize; 3] = [4, 2, 1];

/// Similarities of a set of passages: each sampled passage's nearest other-document passage,
/// and random pairs; and each query's best and tenth-best document.
fn similarity_profile(
    rows: &[f32],
    owners: &[usize],
    dimension: usize,
    queries: &[Vec<f32>],
) -> serde_json::Value {
    let dot = leian_index::dot;
    let count = owners.len();
    let row = |i: usize| &rows[i * dimension..(i + 1) * dimension];
    let mut rng = Rng(99);
    let (mut nearest, mut random) = (Vec::new(), Vec::new());
    for _ in 0..300 {
        let i = rng.below(count);
        let best = (0..count)
            .filter(|&j| owners[j] != owners[i])
            .map(|j| dot(row(i), row(j)) as f64)
            .fold(f64::NEG_INFINITY, f64::max);
        nearest.push(best);
        random.push(dot(row(i), row(rng.below(count))) as f64);
    }
    let (mut top1, mut top10) = (Vec::new(), Vec::new());
    for query in queries.iter().take(200) {
        let mut best: HashMap<usize, f64> = HashMap::new();
        for (j, owner) in owners.iter().enumerate().take(count) {
            let score = dot(query, row(j)) as f64;
            let slot = best.entry(*owner).or_insert(f64::NEG_INFINITY);
            *slot = slot.max(score);
        }
        let mut scores: Vec<f64> = best.into_values().collect();
        scores.sort_by(|a, b| b.total_cmp(a));
        top1.push(scores[0]);
        top10.push(scores[9.min(scores.len() - 1)]);
    }
    let summary = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        serde_json::json!({
            "p10": (quantile(&v, 0.1) * 1000.0).round() / 1000.0,
            "p50": (quantile(&v, 0.5) * 1000.0).round() / 1000.0,
            "p90": (quantile(&v, 0.9) * 1000.0).round() / 1000.0,
        })
    };
    serde_json::json!({
        "nearest_other_document_passage": summary(nearest),
        "random_pair": summary(random),
        "query_best_document": summary(top1),
        "query_tenth_document": summary(top10),
    })
}

fn calibrate(real: &Real, queries: &[Vec<f32>]) {
    let owners: Vec<usize> = real
        .docs
        .iter()
        .enumerate()
        .flat_map(|(doc, &(_, count))| std::iter::repeat_n(doc, count))
        .collect();
    let mut profiles = serde_json::Map::new();
    profiles.insert(
        "real".into(),
        similarity_profile(&real.rows, &owners, real.dimension, queries),
    );
    for noise in [0.2f32, 0.35, 0.5, 0.7] {
        let mut rng = Rng(7);
        let (mut rows, mut owners) = (Vec::new(), Vec::new());
        for doc in 0..real.docs.len() {
            for passage in synthetic(real, &mut rng, noise) {
                rows.extend(passage);
                owners.push(doc);
            }
        }
        profiles.insert(
            format!("synthetic sigma {noise}"),
            similarity_profile(&rows, &owners, real.dimension, queries),
        );
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(profiles)).unwrap()
    );
}

/// Synthetic vectors for every judgment of the snapshot `big`, attached to it (module
/// documentation).
fn attach(args: &Args, big: &Path, real: &Real, real_info: &DenseInfo) {
    let snapshot = Snapshot::open(big).unwrap_or_else(|e| fail(&e.to_string()));
    let manifest = snapshot.manifest().clone();
    if manifest.dense.is_some() {
        fail(&format!("{} 已有向量", big.display()));
    }
    let started = Instant::now();
    // The rows wait beside the snapshot (gigabytes at a million judgments: renamed, not copied).
    let spill = big
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir);
    let mut writer = VectorWriter::new_in(&spill, real.dimension)
        .with_hnsw_min_passages(leian_index::DEFAULT_HNSW_MIN_PASSAGES)
        .with_quantization(args.quantization);
    let mut rng = Rng(2026);
    let (mut matched, mut done) = (0usize, 0usize);
    snapshot
        .for_each_document(|document| {
            if let Document::Judgment(judgment) = document {
                let template = match judgment.causes.first().and_then(|c| real.by_cause.get(c)) {
                    Some(group) => {
                        matched += 1;
                        group[rng.below(group.len())]
                    }
                    None => rng.below(real.docs.len()),
                };
                let passages = synthetic_from(real, template, &mut rng, args.noise);
                writer.add(&judgment.id, &passages)?;
                done += 1;
                if done % 100_000 == 0 {
                    eprintln!(
                        "{done} 个文书（{} 个段落），{:.0} 秒",
                        writer.passages(),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| fail(&e.to_string()));
    drop(snapshot);
    let generate_s = started.elapsed().as_secs_f64();
    let info = DenseInfo {
        passages: writer.passages(),
        documents: writer.documents(),
        hnsw: None,
        ..real_info.clone()
    };
    eprintln!(
        "{} 个文书的 {} 个段落已生成（{:.0} 秒），正在建立 HNSW 图",
        info.documents, info.passages, generate_s
    );
    let started = Instant::now();
    let manifest = leian_index::attach_vectors(big, &manifest, writer, info)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let dense = manifest.dense.unwrap_or_else(|| fail("没有写入向量"));
    println!(
        "{}",
        serde_json::json!({
            "judgments": dense.documents,
            "passages": dense.passages,
            "cause_matched": matched,
            "quantization": args.quantization.as_str(),
            "noise": args.noise,
            "generate_and_spill_s": generate_s,
            "write_and_graph_build_s": started.elapsed().as_secs_f64(),
            "graph": dense.hnsw.is_some(),
        })
    );
}

/// Recall@10 of the graph (documents as asked for 10, the top 10 of the engine's pool of 100,
/// passages) against exact search over the same rows, the graph's latency and the serving
/// memory. The graph is searched by a child process that opens the vectors (in `work`, or in
/// the snapshot `vectors_at`) as a server would; exact search runs here, its queries split
/// over the cores (each is a full scan of the rows).
fn compare_with_exact(
    work: &Path,
    vectors_at: Option<&Path>,
    info: &DenseInfo,
    queries: &[Vec<f32>],
) -> serde_json::Value {
    std::fs::write(work.join("dense.json"), serde_json::to_vec(info).unwrap())
        .unwrap_or_else(|e| fail(&e.to_string()));
    write_queries(&work.join("queries.f32"), queries);
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.arg("--probe").arg(work);
    if let Some(snapshot) = vectors_at {
        child.arg("--vectors-at").arg(snapshot);
    }
    let output = child.output().unwrap_or_else(|e| fail(&e.to_string()));
    if !output.status.success() {
        fail(&String::from_utf8_lossy(&output.stderr));
    }
    let probe: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| fail(&e.to_string()));

    let exact =
        Vectors::open(vectors_at.unwrap_or(work), info).unwrap_or_else(|e| fail(&e.to_string()));
    let truths = exact_truths(&exact, queries);
    let wanted = (10 * queries.len()) as f64;
    // Of the exact top `depth` documents, the share in the first `depth` of each list `found`.
    let recall = |found: &serde_json::Value, depth: usize| -> f64 {
        let mut hits = 0usize;
        for (q, (documents, _, _)) in truths.iter().enumerate() {
            let truth = &documents[..depth.min(documents.len())];
            hits += found[q].as_array().map_or(0, |ids| {
                ids.iter()
                    .take(depth)
                    .filter(|id| truth.iter().any(|t| *id == t.as_str()))
                    .count()
            });
        }
        hits as f64 / (depth * queries.len()) as f64
    };
    let passage_found: usize = truths
        .iter()
        .enumerate()
        .map(|(q, (_, rows, _))| {
            probe["passages10"][q].as_array().map_or(0, |got| {
                got.iter()
                    .filter(|r| rows.contains(&(r.as_u64().unwrap_or(u64::MAX) as usize)))
                    .count()
            })
        })
        .sum();
    let times = |values: &serde_json::Value| {
        let mut v: Vec<f64> = values
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        v.sort_by(f64::total_cmp);
        serde_json::json!({"p50": quantile(&v, 0.5), "p99": quantile(&v, 0.99)})
    };
    let pools: Vec<serde_json::Value> = probe["pools"]
        .as_array()
        .map(|pools| {
            pools
                .iter()
                .map(|pool| {
                    serde_json::json!({
                        "passages_per_document": pool["passages_per_document"],
                        "recall_at_10": recall(&pool["docs"], 10),
                        "recall_at_100": recall(&pool["docs"], ENGINE_POOL),
                        "ann_ms": times(&pool["ms"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut exact_ms: Vec<f64> = truths.iter().map(|t| t.2).collect();
    exact_ms.sort_by(f64::total_cmp);
    serde_json::json!({
        "judgments": info.documents,
        "passages": info.passages,
        "quantization": info.hnsw.as_ref().map(|h| h.quantization.as_str()),
        "queries": queries.len(),
        "recall_at_10_documents": recall(&probe["docs10"], 10),
        "recall_at_10_passages": passage_found as f64 / wanted,
        "ann_ms_10": times(&probe["ms10"]),
        "engine_pool": pools,
        "exact_ms_100": {"p50": quantile(&exact_ms, 0.5), "p99": quantile(&exact_ms, 0.99)},
        "open_ms": probe["open_ms"],
        "first_search_ms": probe["first_search_ms"],
        "serving_memory_after_open": probe["memory_after_open"],
        "serving_memory_after_queries": probe["memory_after_queries"],
    })
}

/// Per query, exactly: the engine pool's 100 best documents, the 10 best passages' rows, and the
/// milliseconds the document search took (one thread).
fn exact_truths(exact: &Vectors, queries: &[Vec<f32>]) -> Vec<(Vec<String>, Vec<usize>, f64)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = queries.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = queries
            .chunks(share)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|query| {
                            let started = Instant::now();
                            let documents: Vec<String> = exact
                                .search_exact(query, ENGINE_POOL)
                                .unwrap_or_else(|e| fail(&e.to_string()))
                                .into_iter()
                                .map(|h| h.0)
                                .collect();
                            let ms = started.elapsed().as_secs_f64() * 1000.0;
                            let rows: Vec<usize> = exact
                                .nearest_passages(query, 10, true)
                                .unwrap_or_else(|e| fail(&e.to_string()))
                                .into_iter()
                                .map(|r| r.0)
                                .collect();
                            (documents, rows, ms)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|_| fail("精确检索线程失败")))
            .collect()
    })
}

/// Adds the keys of `extra` to the object `result`.
fn merge(result: &mut serde_json::Value, extra: serde_json::Value) {
    if let (Some(result), serde_json::Value::Object(extra)) = (result.as_object_mut(), extra) {
        result.extend(extra);
    }
}

/// `--measure BIG`: the comparison on a snapshot's own vectors and graph.
fn measure(args: &Args, big: &Path) {
    let snapshot = Snapshot::open(big).unwrap_or_else(|e| fail(&e.to_string()));
    let info = snapshot
        .manifest()
        .dense
        .clone()
        .unwrap_or_else(|| fail(&format!("{} 没有向量", big.display())));
    if info.hnsw.is_none() {
        fail(&format!(
            "{} 没有 HNSW 图：精确检索与之比较无意义",
            big.display()
        ));
    }
    let snapshot_dir = snapshot.dir().to_path_buf();
    drop(snapshot);
    let queries = query_vectors(args, &info);
    let work = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let result = compare_with_exact(work.path(), Some(&snapshot_dir), &info, &queries);
    if args.json {
        println!("{result}");
    } else {
        println!("{}", serde_json::to_string_pretty(&result).unwrap());
    }
}

fn main() {
    let args = parse_args();
    if let Some(dir) = &args.probe {
        probe(dir, args.vectors_at.as_deref());
        return;
    }
    if let Some(big) = &args.measure {
        measure(&args, big);
        return;
    }
    let (real, real_info) = load_real(&args.index);
    if let Some(big) = &args.attach_to {
        attach(&args, big, &real, &real_info);
        return;
    }
    let queries = query_vectors(&args, &real_info);
    if args.calibrate {
        calibrate(&real, &queries);
        return;
    }
    let scratch;
    let work = match &args.work {
        Some(dir) => {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| fail(&e.to_string()));
            dir.clone()
        }
        None => {
            scratch = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
            scratch.path().to_path_buf()
        }
    };
    let dir = work.join(format!("vectors-{}-{}", args.n, args.quantization.as_str()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&e.to_string()));

    // Synthesise and write the rows (streamed to a file), then build the graph.
    let started = Instant::now();
    let mut writer = VectorWriter::new_in(&dir, real.dimension)
        .with_hnsw_min_passages(0)
        .with_quantization(args.quantization);
    let mut rng = Rng(2026);
    for i in 0..args.n {
        writer
            .add(&format!("s{i}"), &synthetic(&real, &mut rng, args.noise))
            .unwrap_or_else(|e| fail(&e.to_string()));
    }
    let generate_s = started.elapsed().as_secs_f64();
    let (passages, documents) = (writer.passages(), writer.documents());
    let started = Instant::now();
    let hnsw = writer.write(&dir).unwrap_or_else(|e| fail(&e.to_string()));
    let write_s = started.elapsed().as_secs_f64();
    let info = DenseInfo {
        passages,
        documents,
        hnsw,
        ..real_info.clone()
    };
    let mut result = compare_with_exact(&dir, None, &info, &queries);
    let bytes = |name: &str| {
        std::fs::metadata(dir.join("vectors").join(name)).map_or(0, |m| m.len()) as f64
            / (1 << 20) as f64
    };
    let extra = serde_json::json!({
        "noise": args.noise,
        "generate_and_spill_s": generate_s,
        "graph_build_s": write_s,
        "rows_mib": bytes("passages.f32"),
        "graph_mib": bytes("passages.usearch"),
    });
    merge(&mut result, extra);
    if args.json {
        println!("{result}");
    } else {
        println!("{}", serde_json::to_string_pretty(&result).unwrap());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
