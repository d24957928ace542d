// The judge's page: search, results by authority tier, statutes, outcomes, report export, the
// citation check, and parallel cases (a batch of filings in waves, the representative case and
// the demonstrative judgment per wave, the referrals). Built with DOM calls (no innerHTML with server text), so a judgment's text can
// never inject markup.
import { LeianClient, LeianError, splitByByteSpans } from "/leian-client.js";

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

/** The highlights of an API snippet that fall in its window, as byte ranges of `snippet.text`. */
function windowSpans(snippet) {
  return (snippet.highlights || [])
    .filter(([s, e]) => s >= snippet.start && e <= snippet.end)
    .map(([s, e]) => [s - snippet.start, e - snippet.start]);
}

/** `text` with the byte ranges `spans` wrapped in <mark>. */
function marked(text, spans, markClass) {
  return splitByByteSpans(text, spans).map((part) =>
    part.marked ? el("mark", { class: markClass }, part.text) : part.text,
  );
}

const settings = {
  get apiKey() { return localStorage.getItem("leian.apiKey") || ""; },
  set apiKey(value) { localStorage.setItem("leian.apiKey", value); },
  get searcher() { return localStorage.getItem("leian.searcher") || ""; },
  set searcher(value) { localStorage.setItem("leian.searcher", value); },
};

let client = new LeianClient({ apiKey: settings.apiKey });

// ---- messages -------------------------------------------------------------------------------

function showMessage(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
}

function clearMessage() {
  $("message").hidden = true;
}

function showError(error) {
  const text = error instanceof LeianError ? error.message : `页面出错：${error.message || error}`;
  showMessage(text, "error");
  if (error instanceof LeianError && ["missing_api_key", "invalid_api_key"].includes(error.code)) {
    openSettings();
  }
}

// ---- vocabulary -----------------------------------------------------------------------------

const TIERS = {
  guiding: "指导性案例",
  library: "人民法院案例库参考案例",
  spc: "最高人民法院典型案例及裁判",
  provincial_high: "本省高级人民法院案例及裁判",
  superior_or_own: "上一级法院及本院裁判",
  other: "其他法院裁判",
};
const BINDING = { must_follow: "应当参照", reference: "可供参考" };
const STATUTE_TIERS = { specific: "分则 · 罪名条文", general: "总则 · 量刑情节", other: "其他相关条文" };
const STATUTE_STATUS = {
  in_force: "现行有效",
  amended: "已被修改",
  repealed: "已废止",
  historical: "历史版本",
  not_yet_in_force: "尚未生效",
};
const CITATION_STATUS = {
  valid: "有效",
  article_not_found: "条文不存在",
  law_not_found: "法律未找到",
  repealed: "已废止",
  amended: "已修改",
  malformed: "格式有误",
};
const MODES = { bm25: "关键词（BM25）", dense: "语义向量", hybrid: "混合（关键词＋语义）" };
const ELEMENT_KINDS = { charge: "罪名", cause: "案由", circumstance: "情节", quantity: "数量", amount: "金额" };
const INJURY = { minor: "轻微伤", light: "轻伤", serious: "重伤" };
const PENALTIES = {
  death: "死刑",
  death_suspended: "死缓",
  life: "无期徒刑",
  fixed_term: "有期徒刑",
  criminal_detention: "拘役",
  public_surveillance: "管制",
  fine_only: "单处罚金",
  exempt: "免予刑事处罚",
};

const percent = (x) => `${Math.round(x * 100)}%`;
const yuan = (x) => (x >= 10000 ? `${+(x / 10000).toFixed(2)} 万元` : `${+x.toFixed(2)} 元`);

function quantityLabel(q) {
  switch (q.kind) {
    case "drug_weight": return `${q.drug || "毒品"} ${q.grams} 克`;
    case "blood_alcohol": return `血液酒精 ${q.mg_per_100ml} mg/100ml`;
    case "injury": return `${INJURY[q.severity] || q.severity}${q.grade ? ` ${q.grade} 级` : ""}`;
    case "disability": return `伤残 ${q.grade} 级`;
    default: return q.text;
  }
}

// ---- the search form ------------------------------------------------------------------------

function intOrNull(id) {
  const value = $(id).value.trim();
  return value === "" ? null : Number(value);
}

function courtFromForm() {
  const court = {};
  const name = $("court-name").value.trim();
  const province = $("court-province").value.trim();
  const level = $("court-level").value;
  if (name) court.name = name;
  if (province) court.province = province;
  if (level) court.level = level;
  return Object.keys(court).length ? court : undefined;
}

function filtersFromForm() {
  const filters = {};
  if ($("domain").value) filters.domain = $("domain").value;
  const from = intOrNull("year-from");
  const to = intOrNull("year-to");
  if (from !== null) filters.year_from = from;
  if (to !== null) filters.year_to = to;
  return filters;
}

/** The request for the current form, or a message saying what to fix. */
function searchRequest() {
  const text = $("query").value;
  if (!text.trim()) return { problem: "请先输入案情摘要，再点击“检索”。", field: "query" };
  const topK = intOrNull("top-k") ?? 10;
  if (!Number.isInteger(topK) || topK < 1 || topK > 100) {
    return { problem: "每类结果数应为 1 到 100 之间的整数。", field: "top-k" };
  }
  for (const id of ["year-from", "year-to"]) {
    const year = intOrNull(id);
    if (year !== null && (!Number.isInteger(year) || year < 1949 || year > 2100)) {
      return { problem: "裁判年份应为 1949 到 2100 之间的整数。", field: id };
    }
  }
  return {
    body: {
      text,
      kind: $("kind").value,
      mode: $("mode").value,
      top_k: topK,
      filters: filtersFromForm(),
      court: courtFromForm(),
    },
  };
}

let lastSearch = null;

async function runSearch(event) {
  event?.preventDefault();
  clearMessage();
  const request = searchRequest();
  if (request.problem) {
    showMessage(request.problem);
    $(request.field).focus();
    return;
  }
  const button = $("search-button");
  button.disabled = true;
  $("search-hint").textContent = "正在检索…";
  try {
    const result = await client.search(request.body);
    lastSearch = request.body;
    renderResults(request.body.text, result);
    $("export-markdown").disabled = false;
    $("export-html").disabled = false;
    $("result-summary").focus();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    $("search-hint").textContent = "";
  }
}

// ---- results --------------------------------------------------------------------------------

function renderResults(query, result) {
  $("results").hidden = false;
  const judgments = result.judgments || [];
  const statutes = result.statutes || [];
  $("result-summary").textContent =
    `检索方式：${MODES[result.mode] || result.mode} · 类案 ${judgments.length} 件 · 法条 ${statutes.length} 条 · ` +
    `用时 ${Math.round(result.took_ms)} 毫秒 · 索引快照 ${result.snapshot_id}`;
  renderAnalysis(query, result.analysis);
  renderJudgments(query, judgments);
  renderStatutes(statutes, result.flagged_statutes || []);
  renderOutcome(result.outcome);
  $("judgments-card").hidden = !result.judgments;
  $("outcome-card").hidden = !result.outcome;
  $("statutes-card").hidden = !result.statutes;
}

function chipRow(label, chips) {
  if (!chips.length) return null;
  return el("div", { class: "chips" }, el("span", { class: "row-label" }, label), chips);
}

function renderAnalysis(query, analysis) {
  const box = $("analysis");
  box.replaceChildren();
  if (!analysis) {
    $("analysis-card").hidden = true;
    return;
  }
  $("analysis-card").hidden = false;
  const candidates = (list) => list.slice(0, 4).map((c) => el("span", { class: "chip", title: `可能性 ${percent(c.score)}` }, `${c.name} ${percent(c.score)}`));
  const rows = [
    chipRow("可能罪名", candidates(analysis.charges || [])),
    chipRow("可能案由", candidates(analysis.causes || [])),
    chipRow("金额", (analysis.amounts || []).map((a) => el("span", { class: "chip", title: a.text }, `${a.approximate ? "约 " : ""}${yuan(a.yuan)}`))),
    chipRow("数量", (analysis.quantities || []).map((q) => el("span", { class: "chip", title: q.text }, quantityLabel(q)))),
    chipRow("情节", (analysis.circumstances || []).map((c) => el("span", { class: c.negated ? "chip negated" : "chip", title: c.negated ? `否定：${c.text}` : c.text }, c.name))),
    chipRow("争议焦点", (analysis.disputed_issues || []).map((d) => el("span", { class: "chip" }, d.text))),
  ].filter(Boolean);
  if (!rows.length) rows.push(el("p", { class: "hint" }, "未识别出罪名、金额、数量或量刑情节。"));
  box.append(...rows);
  const spans = [
    ...(analysis.amounts || []), ...(analysis.quantities || []), ...(analysis.circumstances || []),
  ].map((x) => [x.start, x.end]);
  $("query-marked").replaceChildren(...marked(query, spans));
}

function judgmentCard(query, hit) {
  const a = hit.authority || {};
  const x = hit.explanation || {};
  const snippet = hit.snippet || {};
  const elementChip = (e, cls) => el("span", { class: `chip ${cls}`, title: ELEMENT_KINDS[e.kind] || e.kind }, e.name);
  return el("article", { class: "hit", "data-id": hit.id },
    el("header", {},
      el("span", { class: "rank" }, `${hit.rank}.`),
      el("span", { class: "title" }, hit.case_number || hit.title),
      a.tier && el("span", { class: `badge tier-${a.tier}` }, TIERS[a.tier] || a.tier),
      a.binding && el("span", { class: `badge ${a.binding}` }, BINDING[a.binding] || a.binding),
      a.recent && el("span", { class: "badge recent" }, "近三年"),
    ),
    el("div", { class: "meta" },
      [hit.court, hit.year && `${hit.year} 年`, (hit.causes || []).join("、"), `相似度 ${hit.score.toFixed(2)}`].filter(Boolean).join(" · "),
    ),
    snippet.text && el("p", { class: "snippet" }, "…", marked(snippet.text, windowSpans(snippet)), "…"),
    chipRow("共同要素", (x.shared_elements || []).map((e) => elementChip(e, "shared"))),
    chipRow("本案有而该案无", (x.missing_elements || []).map((e) => elementChip(e, "missing"))),
    (x.query_spans || []).length > 0 && el("details", {},
      el("summary", {}, "案情摘要中的匹配"),
      el("p", { class: "query-text" }, marked(query, x.query_spans.map((s) => [s.start, s.end]))),
    ),
    x.reasoning_excerpt && el("p", { class: "excerpt" }, el("strong", {}, "裁判理由："), x.reasoning_excerpt),
    x.result_excerpt && el("details", {},
      el("summary", {}, "裁判结果"),
      el("p", { class: "excerpt" }, x.result_excerpt),
    ),
    a.reason && el("p", { class: "hint" }, a.reason),
  );
}

function renderJudgments(query, hits) {
  const box = $("judgments");
  box.replaceChildren();
  if (!hits.length) {
    box.append(el("p", { class: "hint" }, "没有找到相似案例。可放宽筛选条件或补充案情。"));
    return;
  }
  const groups = new Map();
  for (const hit of hits) {
    const tier = hit.authority?.tier || "other";
    if (!groups.has(tier)) groups.set(tier, []);
    groups.get(tier).push(hit);
  }
  const order = Object.keys(TIERS);
  const tiers = [...groups.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  for (const tier of tiers) {
    const list = groups.get(tier);
    box.append(el("section", { class: "tier", "data-tier": tier },
      el("h3", {}, `${order.indexOf(tier) + 1}. ${TIERS[tier] || tier}（${list.length}）`),
      list.map((hit) => judgmentCard(query, hit)),
    ));
  }
}

function reasonText(reason) {
  switch (reason.kind) {
    case "predicted_charge": return `可能涉及罪名：${reason.charge}（${percent(reason.score)}）`;
    case "cited_by_similar_cases": return `最相似的 ${reason.voters} 件案例中有 ${reason.citing} 件引用（权重 ${percent(reason.share)}）`;
    case "circumstance": return `案情有“${reason.text}”（${reason.name}）`;
    case "matched_terms": return `条文匹配：${(reason.terms || []).slice(0, 6).join("、")}`;
    default: return reason.kind;
  }
}

function renderStatutes(hits, flagged) {
  const box = $("statutes");
  box.replaceChildren();
  if (!hits.length) box.append(el("p", { class: "hint" }, "没有推荐的法条。"));
  let tier = null;
  for (const hit of hits) {
    if (hit.tier && hit.tier !== tier) {
      tier = hit.tier;
      box.append(el("h3", { class: "statute-tier" }, STATUTE_TIERS[tier] || tier));
    }
    const snippet = hit.snippet || {};
    box.append(el("div", { class: "statute", "data-id": hit.id },
      el("div", {},
        el("strong", {}, hit.title), " ",
        hit.status && el("span", { class: `badge status-${hit.status}` }, STATUTE_STATUS[hit.status] || hit.status),
      ),
      snippet.text && el("details", {}, el("summary", {}, "条文"), el("p", { class: "excerpt" }, marked(snippet.text, windowSpans(snippet)))),
      (hit.reasons || []).length > 0 && el("ul", { class: "reasons" }, hit.reasons.map((r) => el("li", {}, reasonText(r)))),
    ));
  }
  if (flagged.length) {
    box.append(el("div", { class: "flagged" },
      el("h3", {}, "不予推荐（效力存疑）"),
      el("ul", {}, flagged.map((f) => el("li", {},
        f.id, " ", f.status && el("span", { class: `badge status-${f.status}` }, STATUTE_STATUS[f.status] || f.status), " ", f.note,
      ))),
    ));
  }
}

// ---- outcome chart (SVG drawn here: no chart library may be fetched offline) ------------------

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function barChart(title, rows) {
  const width = 320, rowHeight = 22, labelWidth = 96;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const chart = svg("svg", { class: "chart", role: "img", "aria-label": title, width: "100%", viewBox: `0 0 ${width} ${rows.length * rowHeight + 4}` });
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2;
    const w = ((width - labelWidth - 40) * row.value) / max;
    chart.append(
      svg("text", { x: 0, y: y + 15 }, row.label),
      svg("rect", { class: "bar", x: labelWidth, y: y + 3, width: Math.max(w, 1), height: rowHeight - 8, rx: 2 }),
      svg("text", { x: labelWidth + w + 6, y: y + 15 }, String(row.value)),
    );
  });
  return el("figure", {}, el("figcaption", { class: "row-label" }, title), chart);
}

function rangeChart(title, q, unit) {
  if (!q || !q.count) return null;
  const width = 320, left = 10, right = 10, span = q.max - q.min || 1;
  const x = (v) => left + ((width - left - right) * (v - q.min)) / span;
  const chart = svg("svg", { class: "chart", role: "img", width: "100%", viewBox: `0 0 ${width} 44`,
    "aria-label": `${title}：最少 ${q.min}${unit}，中位数 ${q.median}${unit}，最多 ${q.max}${unit}` },
    svg("line", { class: "whisker", x1: x(q.min), x2: x(q.max), y1: 14, y2: 14 }),
    svg("rect", { class: "box", x: x(q.p25), y: 6, width: Math.max(x(q.p75) - x(q.p25), 2), height: 16 }),
    svg("line", { class: "whisker", x1: x(q.median), x2: x(q.median), y1: 4, y2: 24, "stroke-width": 2 }),
    svg("text", { x: 0, y: 40 }, `${q.min}`),
    svg("text", { x: x(q.median) - 8, y: 40 }, `${q.median}`),
    svg("text", { x: width - 40, y: 40 }, `${q.max}${unit}`),
  );
  return el("figure", {}, el("figcaption", { class: "row-label" }, `${title}（${q.count} 人，中位数 ${q.median}${unit}）`), chart);
}

// Months as judges write them: 1年6个月, 8个月, 3年.
function months(value) {
  if (value < 1) return `${Math.max(1, Math.round(value * 30))}天`;
  const whole = Math.round(value), y = Math.floor(whole / 12), m = whole % 12;
  return y ? (m ? `${y}年${m}个月` : `${y}年`) : `${m}个月`;
}

// The sentencing reference: the estimate on the band, what moved it, the cases it rests on.
function renderEstimate(estimate) {
  const box = el("section", { class: "estimate", id: "estimate", "aria-labelledby": "estimate-title" },
    el("h3", { id: "estimate-title" }, "类案量刑参考"));
  // What holds with or without similar cases: the statutory range and the recommendation.
  const law = [];
  if (estimate.statutory_range) law.push(["法定刑幅度", estimate.statutory_range.basis]);
  if (estimate.recommendation) law.push(["公诉机关量刑建议", estimate.recommendation.text]);
  const fields = (pairs) => el("dl", { class: "fields" }, ...pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  if (estimate.status !== "estimated") {
    box.append(el("p", { class: "hint" }, `不作量刑参考：${estimate.summary}`));
    if (law.length) box.append(fields(law));
    return box;
  }
  const [lower, upper] = estimate.band;
  // Both ends read alike: one term, as the CLI and the report write it.
  const band = months(lower) === months(upper) ? `约${months(lower)}` : `${months(lower)}至${months(upper)}`;
  const weighed = estimate.effective_cases
    ? `，按相似程度加权相当于约 ${Math.max(1, Math.round(estimate.effective_cases))} 份类案` : "";
  box.append(el("p", { class: "estimate-figure" },
    `${estimate.charge}：估计刑期约 `, el("strong", {}, months(estimate.months)),
    `（相似类案中间三分之二：${band}${weighed}）`));
  const cases = estimate.cases.map((c) => c.adjusted_months);
  const low = Math.min(lower, ...cases), high = Math.max(upper, ...cases, estimate.months) || 1;
  const width = 320, x = (v) => 10 + ((width - 20) * (v - low)) / (high - low || 1);
  box.append(svg("svg", { class: "chart", role: "img", width: "100%", viewBox: `0 0 ${width} 34`,
    "aria-label": `估计刑期 ${months(estimate.months)}，中间三分之二 ${band}` },
    ...cases.map((v) => svg("circle", { class: "case-dot", cx: x(v), cy: 14, r: 3 })),
    svg("rect", { class: "box", x: x(lower), y: 6, width: Math.max(x(upper) - x(lower), 2), height: 16 }),
    svg("line", { class: "whisker", x1: x(estimate.months), x2: x(estimate.months), y1: 2, y2: 26, "stroke-width": 3 }),
    svg("text", { x: 0, y: 33 }, months(low)),
    svg("text", { x: width - 48, y: 33 }, months(high)),
  ));
  const facts = [];
  if (estimate.probation_share !== undefined) facts.push(["类案缓刑比例", `${Math.round(estimate.probation_share * 100)}%`]);
  if (estimate.fine_band) facts.push(["类案罚金", `${estimate.fine_band[0]}元至${estimate.fine_band[1]}元`]);
  if (estimate.quantity) facts.push(["本案数额或数量", estimate.quantity]);
  box.append(fields([...facts, ...law]));
  if (estimate.adjustments.length) {
    box.append(el("ul", { class: "adjustments" }, ...estimate.adjustments.map((a) =>
      el("li", {}, el("strong", {}, `${a.name} ${a.effect > 0 ? "+" : ""}${Math.round(a.effect * 100)}%`), `：${a.reason}`))));
  }
  box.append(el("details", {}, el("summary", {}, `所依据的类案（${estimate.precedents} 份，列出权重最高的 ${estimate.cases.length} 份）`),
    el("ol", {}, ...estimate.cases.map((c) => el("li", {},
      `${c.case_number || c.id}${c.court ? `（${c.court}）` : ""}：刑期${months(c.months)}${c.probation ? "，缓刑" : ""}，折算后${months(c.adjusted_months)}，权重${Math.round(c.weight * 100)}%`)))));
  box.append(el("p", { class: "hint" }, "依相似判决统计的参考，不替代法官依法裁量。"));
  return box;
}

function renderOutcome(outcome) {
  const box = $("outcome");
  box.replaceChildren();
  if (!outcome) return;
  if (outcome.estimate) box.append(renderEstimate(outcome.estimate));
  if (!outcome.parsed) {
    box.append(el("p", { class: "hint" }, "相似案例中没有可解析的裁判结果。"));
    return;
  }
  box.append(el("p", { class: "hint" }, `解析 ${outcome.parsed} 件裁判结果${outcome.unparsed ? `，${outcome.unparsed} 件无法解析` : ""}。`));
  if (outcome.criminal_judgments) {
    const rows = Object.entries(PENALTIES)
      .map(([key, label]) => ({ label, value: outcome.penalties?.[key] || 0 }))
      .filter((r) => r.value > 0);
    if (outcome.probation) rows.push({ label: "其中缓刑", value: outcome.probation });
    if (outcome.fined) rows.push({ label: "并处/单处罚金", value: outcome.fined });
    box.append(barChart(`刑罚（${outcome.defendants} 名被告人）`, rows));
    box.append(...[
      rangeChart("有期徒刑刑期", outcome.prison_months, " 个月"),
      rangeChart("拘役期限", outcome.detention_months, " 个月"),
      rangeChart("管制期限", outcome.surveillance_months, " 个月"),
      rangeChart("缓刑考验期", outcome.probation_months, " 个月"),
      rangeChart("罚金", outcome.fine_yuan, " 元"),
    ].filter(Boolean));
  }
  if (outcome.civil_judgments) {
    const c = outcome.civil || {};
    box.append(barChart(`民事裁判（${outcome.civil_judgments} 件）`, [
      { label: "支持", value: c.supported || 0 },
      { label: "部分支持", value: c.partly_supported || 0 },
      { label: "驳回", value: c.rejected || 0 },
      { label: "驳回上诉", value: c.appeal_dismissed || 0 },
    ]));
  }
}

// ---- report export --------------------------------------------------------------------------

function download(filename, content, type) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function exportReport(format) {
  clearMessage();
  if (!lastSearch) return;
  const buttons = [$("export-markdown"), $("export-html")];
  buttons.forEach((b) => (b.disabled = true));
  $("search-hint").textContent = "正在生成检索报告…";
  try {
    const body = {
      text: lastSearch.text,
      format,
      mode: lastSearch.mode,
      top_k: lastSearch.top_k,
      filters: lastSearch.filters,
      court: lastSearch.court,
    };
    if (settings.searcher) body.searcher = settings.searcher;
    const report = await client.report(body);
    const stamp = new Date().toISOString().slice(0, 10);
    const markdown = report.format === "markdown";
    download(`类案检索报告-${stamp}.${markdown ? "md" : "html"}`, report.content,
      markdown ? "text/markdown;charset=utf-8" : "text/html;charset=utf-8");
    showMessage(`检索报告（${markdown ? "Markdown" : "HTML"}）已生成并下载。`, "info");
  } catch (error) {
    showError(error);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    $("search-hint").textContent = "";
  }
}

// ---- citation check -------------------------------------------------------------------------

const CITATION_CLASS = { valid: "cite-valid", amended: "cite-warn", malformed: "cite-warn" };

async function runCheck(event) {
  event?.preventDefault();
  clearMessage();
  const text = $("draft").value;
  if (!text.trim()) {
    showMessage("请先粘贴要检查的文书草稿。");
    $("draft").focus();
    return;
  }
  $("check-button").disabled = true;
  $("check-hint").textContent = "正在检查…";
  try {
    const { citations, outcome } = await client.checkDraft(text);
    renderCitations(text, citations);
    renderDraftOutcome(outcome);
    $("check-summary").focus();
  } catch (error) {
    showError(error);
  } finally {
    $("check-button").disabled = false;
    $("check-hint").textContent = "";
  }
}

function renderCitations(text, citations) {
  $("check-results").hidden = false;
  const problems = citations.filter((c) => c.status !== "valid").length;
  $("check-summary").textContent = citations.length
    ? `共找到 ${citations.length} 处法条引用，其中 ${problems} 处需要核对。`
    : "草稿中没有找到法条引用（如《中华人民共和国刑法》第二百六十四条）。";
  // Each citation in its own colour.
  const parts = splitByByteSpans(text, citations.map((c) => [c.start, c.end])).map((part) => {
    if (!part.marked) return part.text;
    const citation = citations[part.span];
    return el("mark", { class: CITATION_CLASS[citation.status] || "cite-bad", title: citation.message }, part.text);
  });
  $("draft-marked").replaceChildren(...parts);
  $("citations").replaceChildren(...citations.map((c) => el("tr", { "data-status": c.status },
    el("td", {}, c.text),
    el("td", {}, el("span", { class: `badge status-${c.status}` }, CITATION_STATUS[c.status] || c.status)),
    el("td", {}, c.message),
    el("td", {}, (c.suggestions || []).join("；")),
  )));
}

const OUTCOME_STATUS = { consistent: "与类案一致", lighter: "轻于类案", heavier: "重于类案", no_reference: "无类案可比" };

// The draft's 判决如下 against similar cases: the status, why, the law's bounds it breaks, and
// the alert asking the judge to explain or to refer the case.
function renderDraftOutcome(outcome) {
  const box = $("draft-outcome");
  box.dataset.status = outcome.status;
  box.replaceChildren(
    el("h2", {}, "裁判结果与类案比较"),
    el("p", {}, el("span", { class: `badge outcome-${outcome.status}` }, OUTCOME_STATUS[outcome.status] || outcome.status), " ", outcome.reason),
    ...(outcome.legal_issues || []).map((issue) => el("p", { class: "cite-bad" }, issue.message)),
  );
  if (outcome.alert) box.append(el("p", { class: "alert", role: "alert" }, `预警：${outcome.alert}`));
  const near = [...(outcome.nearest_lighter || []), ...(outcome.nearest_heavier || [])];
  if (near.length) {
    box.append(el("p", { class: "hint" }, "最接近的类案：", near.map((c) =>
      `${c.case_number || c.id}（${months(c.months)}${c.probation ? "，缓刑" : ""}）`).join("；")));
  }
}

// ---- parallel cases (系列案件) ------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const BATCH_TYPES = { csv: "text/csv", json: "application/json" };

function progressText(job) {
  const p = job.progress || {};
  const count = p.total ? `（${p.done}/${p.total}）` : "";
  return job.status === "queued" ? "排队等待分组…" : `${p.stage || "正在分组"}${count}…`;
}

async function runBatch(event) {
  event?.preventDefault();
  clearMessage();
  const file = $("batch-file").files[0];
  if (!file) {
    showMessage("请先选择批量案件文件（JSONL 或 CSV）。");
    $("batch-file").focus();
    return;
  }
  const threshold = Number($("batch-threshold").value || "0.5");
  if (!(threshold >= 0 && threshold <= 1)) {
    showMessage("相似度下限应在 0 到 1 之间。");
    $("batch-threshold").focus();
    return;
  }
  const extension = file.name.toLowerCase().split(".").pop();
  const contentType = BATCH_TYPES[extension] || "application/x-ndjson";
  $("batch-button").disabled = true;
  $("batch-hint").textContent = "正在上传…";
  try {
    let job = await client.createBatch(await file.text(), { contentType, threshold });
    while (job.status === "queued" || job.status === "running") {
      $("batch-hint").textContent = progressText(job);
      await sleep(600);
      job = await client.batch(job.id);
    }
    if (job.status === "failed") {
      showMessage(`分组失败：${job.error || "原因不明"}`);
      return;
    }
    renderBatch(job);
    $("batch-summary").focus();
  } catch (error) {
    showError(error);
  } finally {
    $("batch-button").disabled = false;
    $("batch-hint").textContent = "";
  }
}

function renderBatch(job) {
  const batch = job.result;
  $("batch-results").hidden = false;
  $("batch-results").dataset.batch = job.id;
  $("batch-summary").textContent =
    `共 ${batch.filings} 件，分为 ${batch.waves.length} 个系列，${batch.singletons.length} 件未归入系列 · 任务 ${job.id}`;
  $("waves").replaceChildren(...batch.waves.map((wave) => waveCard(job, wave)));
  $("singletons-card").hidden = !batch.singletons.length;
  $("singletons").textContent = batch.singletons.join("、");
}

const amountsText = (row) => (row.amounts.length ? row.amounts.slice(0, 4).map((a) => `${+a.toFixed(2)} 元`).join("、") : "—");
const listText = (items, n = 4) => (items && items.length ? items.slice(0, n).join("、") : "—");

function waveCard(job, wave) {
  const choice = (job.choices || {})[wave.id] || {};
  const representative = choice.representative || wave.representative.id;
  const parties = wave.shared.parties.map((p) => `${p.role}：${p.key}（${p.names.join("、")}）`).join("；") || "—";
  const card = el("section", { class: "card wave", "data-wave": wave.id, "aria-labelledby": `wave-${wave.id}` },
    el("h2", { id: `wave-${wave.id}` }, `系列 ${wave.id}`, el("span", { class: "hint" }, `${wave.members.length} 件`)),
    el("h3", {}, "相同之处"),
    el("table", { class: "wave-table shared" }, el("tbody", {},
      [["共同当事人", parties], ["案由", wave.shared.cause || "未识别"], ["共同要素", listText(wave.shared.elements, 12)], ["争议焦点", listText(wave.shared.issues, 5)]]
        .map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v))))),
    el("h3", {}, "不同之处（选择示范性首案）"),
    el("table", { class: "wave-table differences" },
      el("thead", {}, el("tr", {}, ["首案", "案件", "金额", "日期", "其他当事人", "与首案相似度"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, wave.differences.map((row) => el("tr", { "data-id": row.id },
        el("td", {}, el("input", { type: "radio", name: `rep-${wave.id}`, value: row.id, checked: row.id === representative, "aria-label": `以 ${row.id} 为示范性首案` })),
        el("td", {}, row.id), el("td", {}, amountsText(row)), el("td", {}, listText(row.dates, 3)),
        el("td", {}, listText(row.other_parties)), el("td", {}, row.similarity.toFixed(2)))))),
    el("p", { class: "hint" }, `系统建议的示范性首案：${wave.representative.id}。${wave.representative.reason}`),
    el("h3", {}, "示范判决"),
    el("div", { class: "demonstrative-choice" }),
    el("div", { class: "precedents" }, (wave.precedents || []).length
      ? wave.precedents.map((p) => el("div", { class: "precedent", "data-id": p.id },
        el("span", {}, `${p.case_number || p.id} ${p.title}`),
        el("span", { class: "hint" }, `第 ${p.tier} 层级 · ${p.causes.join("、")}`),
        wave.demonstrative?.id === p.id && el("span", { class: "badge must_follow" }, "建议作为示范判决"),
        el("button", { type: "button", class: "choose-demonstrative", "data-judgment": p.id }, "选为示范判决")))
      : el("p", { class: "hint" }, "索引中没有找到本系列的已有类案，可在下方输入裁判文书 ID。")),
    el("div", { class: "other-judgment" },
      el("input", { type: "text", class: "judgment-id", placeholder: "其他裁判文书 ID", "aria-label": "其他裁判文书 ID" }),
      el("button", { type: "button", class: "choose-other" }, "选为示范判决")),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "referrals-markdown" }, "下载参照调处建议书（Markdown）"),
      el("button", { type: "button", class: "referrals-html" }, "下载参照调处建议书（HTML）")),
  );
  showDemonstrative(card, choice.demonstrative);
  card.addEventListener("change", (event) => {
    if (event.target.name === `rep-${wave.id}`) chooseRepresentative(job.id, wave.id, event.target.value);
  });
  card.addEventListener("click", (event) => {
    const target = event.target;
    if (target.classList.contains("choose-demonstrative")) chooseDemonstrative(card, job.id, wave.id, target.dataset.judgment);
    if (target.classList.contains("choose-other")) {
      const id = card.querySelector(".judgment-id").value.trim();
      if (!id) {
        showMessage("请先输入作为示范判决的裁判文书 ID。");
        card.querySelector(".judgment-id").focus();
        return;
      }
      chooseDemonstrative(card, job.id, wave.id, id);
    }
    if (target.classList.contains("referrals-markdown")) downloadReferrals(job.id, wave.id, "markdown");
    if (target.classList.contains("referrals-html")) downloadReferrals(job.id, wave.id, "html");
  });
  return card;
}

function showDemonstrative(card, demonstrative) {
  const box = card.querySelector(".demonstrative-choice");
  box.replaceChildren(demonstrative
    ? el("p", { class: "chosen" }, "已选定示范判决：", el("strong", {}, demonstrative.title),
      `（${demonstrative.case_number || demonstrative.id}）`)
    : el("p", { class: "hint" }, "尚未选定示范判决：选定后可下载本系列每件案件的参照调处建议书。"));
  for (const button of card.querySelectorAll(".referrals-markdown, .referrals-html")) button.disabled = !demonstrative;
}

async function chooseRepresentative(batch, wave, filingId) {
  clearMessage();
  try {
    await client.chooseRepresentative(batch, wave, filingId);
    showMessage(`已将 ${filingId} 选为系列 ${wave} 的示范性首案。`, "info");
  } catch (error) {
    showError(error);
  }
}

async function chooseDemonstrative(card, batch, wave, judgmentId) {
  clearMessage();
  try {
    const { choice } = await client.chooseDemonstrative(batch, wave, judgmentId);
    showDemonstrative(card, choice.demonstrative);
    showMessage(`已选定系列 ${wave} 的示范判决，可下载参照调处建议书。`, "info");
  } catch (error) {
    showError(error);
  }
}

async function downloadReferrals(batch, wave, format) {
  clearMessage();
  try {
    const content = await client.referrals(batch, wave, format);
    const markdown = format === "markdown";
    download(`参照调处建议书-${wave}.${markdown ? "md" : "html"}`, content,
      markdown ? "text/markdown;charset=utf-8" : "text/html;charset=utf-8");
    showMessage(`系列 ${wave} 的参照调处建议书（${markdown ? "Markdown" : "HTML"}）已下载。`, "info");
  } catch (error) {
    showError(error);
  }
}

// ---- settings, tabs, server status ----------------------------------------------------------

function openSettings() {
  $("api-key").value = settings.apiKey;
  $("searcher").value = settings.searcher;
  if (!$("settings").open) $("settings").showModal();
  $("api-key").focus();
}

$("settings-form").addEventListener("submit", (event) => {
  if (event.submitter?.value !== "save") return;
  settings.apiKey = $("api-key").value.trim();
  settings.searcher = $("searcher").value.trim();
  client = new LeianClient({ apiKey: settings.apiKey });
  clearMessage();
  refreshStatus();
});
$("settings-button").addEventListener("click", openSettings);

const tabs = [$("tab-search"), $("tab-check"), $("tab-batch")];
function selectTab(tab) {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute("aria-selected", String(selected));
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !selected;
  }
  clearMessage();
  tab.focus();
}
for (const tab of tabs) {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    selectTab(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length]);
  });
}

async function refreshStatus() {
  const box = $("server-status");
  try {
    const ready = await client.ready();
    const docs = ready.docs || {};
    const parts = [`案例 ${docs.judgments ?? 0} 件 · 法条 ${docs.statutes ?? 0} 条`];
    parts.push(ready.model ? `语义模型 ${ready.model}` : "仅关键词检索");
    // While vectors are computed in the background the server answers with keywords only.
    if (ready.background) parts.push(`后台任务：${ready.background}`);
    box.replaceChildren(el("span", { class: "ok" }, "● 已连接"), " ", parts.join(" · "));
  } catch (error) {
    box.textContent = error instanceof LeianError ? `● ${error.message}` : "● 服务器状态未知";
  }
}

$("search-form").addEventListener("submit", runSearch);
$("check-form").addEventListener("submit", runCheck);
$("batch-form").addEventListener("submit", runBatch);
$("export-markdown").addEventListener("click", () => exportReport("markdown"));
$("export-html").addEventListener("click", () => exportReport("html"));
for (const [area, run] of [["query", runSearch], ["draft", runCheck]]) {
  $(area).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run(event);
  });
}
refreshStatus();
