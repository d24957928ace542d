// leian-client.js — a small client for the Leian HTTP API, for drafting plugins (an Office / WPS
// task pane is a web page) and for Leian's own page. An ES module without dependencies, so a
// court can copy it next to its plugin and run fully offline.
//
//   import { LeianClient } from "./leian-client.js";
//   const leian = new LeianClient({ baseUrl: "http://127.0.0.1:8080", apiKey: "…" });
//   const result = await leian.search({ text: "被告人醉酒驾驶机动车…", court: { name: "…人民法院" } });
//
// A server at capacity answers `503 overloaded` with Retry-After; the client waits that long and
// tries again (twice by default, `retries`), so a burst of judges costs seconds, not errors.
//
// Every failure is thrown as a LeianError whose `message` is a plain Chinese sentence for the
// judge; `code` is the API's stable error code (or `network`, `bad_response`, `aborted`).

/** Plain words for the API's stable error codes. */
const MESSAGES = {
  empty_query: "请输入案情摘要：当前文本没有可检索的词语。",
  empty_text: "请先粘贴要检查的文书内容。",
  invalid_request: "请求内容有误",
  payload_too_large: "文本过长，超出服务器允许的大小，请缩短后重试。",
  unsupported_media_type: "请求格式不被服务器接受。",
  not_found: "未找到请求的内容。",
  method_not_allowed: "服务器不支持该操作。",
  timeout: "服务器处理超时，请稍后重试或缩短文本。",
  missing_api_key: "服务器要求 API 密钥：请在“设置”中填写管理员发放的密钥。",
  invalid_api_key: "API 密钥无效：请核对“设置”中的密钥，或向管理员申请新的密钥。",
  forbidden: "该 API 密钥无权执行此操作。",
  rate_limited: "请求过于频繁，请稍候再试。",
  reload_failed: "索引重新加载失败，服务器仍使用原索引。",
  duplicate_ids: "同一文书在本次更新中出现了多次，未作任何更改。",
  overloaded: "服务器繁忙，请稍后重试。",
  body_timeout: "请求内容未能完整送达服务器，请检查网络后重试。",
  uri_too_long: "请求地址过长。",
  headers_too_large: "请求头过大。",
  internal: "服务器内部错误，请稍后重试；若持续出现，请联系管理员。",
  empty_batch: "批量文件中没有任何案件。",
  too_many_filings: "批量文件的案件数超过单批上限，请拆分后分批提交。",
  invalid_batch: "批量文件有错误，未作处理。",
  batch_not_found: "没有这个批量任务（可能已被清理或编号有误）。",
  batch_not_ready: "批量任务尚未完成分组。",
  wave_not_found: "本批次中没有这个系列。",
  filing_not_found: "该案件不属于这个系列。",
  judgment_not_found: "索引中没有这份裁判文书，不能作为示范判决。",
  no_demonstrative: "请先为该系列选定示范判决。",
  batch_queue_full: "排队的批量任务已满，请稍后再提交。",
  batches_unavailable: "服务器的批量任务功能不可用，请联系管理员。",
  network: "无法连接到 Leian 服务器，请确认服务已启动、地址正确。",
  bad_response: "服务器返回了无法识别的内容。",
  aborted: "请求已取消。",
};

/** Codes whose server message (Chinese, naming the line, wave or id) is shown as it is. */
const DETAILED = new Set([
  "empty_batch", "too_many_filings", "invalid_batch", "batch_not_found", "batch_not_ready", "wave_not_found",
  "filing_not_found", "judgment_not_found", "no_demonstrative", "batches_unavailable",
]);

/** An API failure, with a message a judge can read. */
export class LeianError extends Error {
  constructor({ code, status = 0, detail = "", retryAfter = null }) {
    let message = MESSAGES[code] || `服务器返回错误（HTTP ${status}）。`;
    if (code === "invalid_request" && detail) message += `：${detail}`;
    // The batch errors' own messages name the lines, waves and ids concerned (in Chinese).
    if (DETAILED.has(code) && detail) message = detail;
    if (code === "rate_limited" && retryAfter) message = `请求过于频繁，请 ${retryAfter} 秒后再试。`;
    super(message);
    this.name = "LeianError";
    /** Stable error code from the API, or `network` / `bad_response` / `aborted`. */
    this.code = code;
    /** HTTP status (0 when no response arrived). */
    this.status = status;
    /** The server's own (English) explanation, for logs and support. */
    this.detail = detail;
    /** Seconds to wait, for `rate_limited` and `overloaded`. */
    this.retryAfter = retryAfter;
  }
}

export class LeianClient {
  /**
   * @param {object} [options]
   * @param {string} [options.baseUrl] server address; defaults to the page's own origin
   * @param {string} [options.apiKey] key from `leian keys new` (omit in development mode)
   * @param {number} [options.timeoutMs] per-request limit (default 60 s)
   * @param {typeof fetch} [options.fetch] fetch implementation (tests, older hosts)
   * @param {number} [options.retries] new tries after `overloaded` (default 2)
   */
  constructor({ baseUrl = "", apiKey = "", timeoutMs = 60000, fetch: fetchImpl, retries = 2 } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    this.fetchImpl = fetchImpl || globalThis.fetch.bind(globalThis);
  }

  /** Similar judgments and statute articles for a fact summary (`POST /v1/search`). */
  search(body, options) {
    return this.request("POST", "/v1/search", body, options);
  }

  /** The 类案检索报告 as `{format, content, snapshot_id, mode}` (`POST /v1/report`). */
  report(body, options) {
    return this.request("POST", "/v1/report", body, options);
  }

  /** Every statute citation of a draft, checked (`POST /v1/citations/check`). */
  checkCitations(text, options) {
    return this.request("POST", "/v1/citations/check", { text }, options);
  }

  /**
   * A draft judgment checked: its statute citations (the fields of `checkCitations`) and, in
   * `outcome`, its 判决如下 against similar cases (`POST /v1/drafts/check`).
   */
  checkDraft(text, options) {
    return this.request("POST", "/v1/drafts/check", { text }, options);
  }

  judgment(id, options) {
    return this.request("GET", `/v1/judgments/${encodeURIComponent(id)}`, undefined, options);
  }

  statute(id, options) {
    return this.request("GET", `/v1/statutes/${encodeURIComponent(id)}`, undefined, options);
  }

  /** Snapshot, document counts, available modes and background embedding progress. */
  ready(options) {
    return this.request("GET", "/v1/ready", undefined, options);
  }

  health(options) {
    return this.request("GET", "/v1/health", undefined, options);
  }

  /**
   * A new batch job from the text of a JSONL, CSV or JSON file (`POST /v1/batches`); answers the
   * job (`{id, status, progress, …}`), grouped in the background: poll `batch(id)`.
   * @param {string} text the file's content
   * @param {{contentType?: string, threshold?: number, topK?: number}} [settings]
   */
  createBatch(text, { contentType = "application/x-ndjson", threshold, topK } = {}, options = {}) {
    const query = new URLSearchParams();
    if (threshold !== undefined) query.set("threshold", String(threshold));
    if (topK !== undefined) query.set("top_k", String(topK));
    const search = query.toString();
    const path = `/v1/batches${search ? `?${search}` : ""}`;
    return this.request("POST", path, text, { ...options, contentType });
  }

  /** A batch job: status, progress, choices and, when done, the waves (`GET /v1/batches/{id}`). */
  batch(id, options) {
    return this.request("GET", `/v1/batches/${encodeURIComponent(id)}`, undefined, options);
  }

  /** Chooses an indexed judgment as a wave's demonstrative judgment. */
  chooseDemonstrative(id, wave, judgmentId, options) {
    return this.request("PUT", `${wavePath(id, wave)}/demonstrative`, { judgment_id: judgmentId }, options);
  }

  /** Chooses a member as a wave's representative case. */
  chooseRepresentative(id, wave, filingId, options) {
    return this.request("PUT", `${wavePath(id, wave)}/representative`, { filing_id: filingId }, options);
  }

  /**
   * The referrals (参照调处建议书) of a wave's members as one document (`markdown` or `html`),
   * or of one member when `filingId` is given.
   */
  referrals(id, wave, format = "html", filingId, options = {}) {
    const member = filingId === undefined ? "" : `/${encodeURIComponent(filingId)}`;
    return this.request("GET", `${wavePath(id, wave)}/referrals${member}?format=${format}`, undefined, { ...options, text: true });
  }

  async request(method, path, body, options = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body, options);
      } catch (error) {
        if (error.code !== "overloaded" || attempt >= this.retries || options.signal?.aborted) throw error;
        // Retry-After is whole seconds; a little jitter keeps many clients from returning at once.
        const wait = Math.min(error.retryAfter || 1, 5) * 1000 * (1 + Math.random() * 0.5);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  async requestOnce(method, path, body, { signal, contentType, text = false } = {}) {
    const headers = { Accept: text ? "text/html, text/markdown, application/json" : "application/json" };
    // A body with its own content type (a batch file) is sent as it is.
    if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort("timeout"), this.timeoutMs);
    const onAbort = () => controller.abort("aborted");
    signal?.addEventListener("abort", onAbort);
    let response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : contentType ? body : JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (cause) {
      const reason = controller.signal.reason;
      const code = reason === "timeout" ? "timeout" : reason === "aborted" ? "aborted" : "network";
      throw new LeianError({ code, detail: String(cause) });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    if (text && response.ok) return response.text();
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      // Not JSON: a proxy's error page, for instance; the status still tells what happened.
    }
    if (response.ok) {
      if (payload === null) throw new LeianError({ code: "bad_response", status: response.status });
      return payload;
    }
    const error = payload && payload.error ? payload.error : {};
    const retryAfter = Number(response.headers.get("Retry-After")) || null;
    throw new LeianError({
      code: error.code || (response.status >= 500 ? "internal" : "bad_response"),
      status: response.status,
      detail: error.message || "",
      retryAfter,
    });
  }
}

function wavePath(id, wave) {
  return `/v1/batches/${encodeURIComponent(id)}/waves/${encodeURIComponent(wave)}`;
}

/**
 * Splits `text` at byte offsets (the API reports UTF-8 byte offsets) into parts
 * `{text, marked, span}`, so a page can wrap the marked ones in <mark> without HTML injection;
 * `span` is the index in `spans` of a marked part's range.
 * @param {string} text
 * @param {Array<[number, number]>} spans byte ranges into `text`, any order, may overlap
 */
export function splitByByteSpans(text, spans) {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  const sorted = spans
    .map(([start, end], span) => [Math.max(0, start), Math.min(bytes.length, end), span])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const parts = [];
  let at = 0;
  for (const [start, end, span] of sorted) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    if (from > at) parts.push({ text: decoder.decode(bytes.subarray(at, from)), marked: false });
    parts.push({ text: decoder.decode(bytes.subarray(from, end)), marked: true, span });
    at = end;
  }
  if (at < bytes.length) parts.push({ text: decoder.decode(bytes.subarray(at)), marked: false });
  return parts;
}
