// Drives Leian's page in Debian's headless Chromium with playwright-core (search, report export,
// citation check, parallel cases). Started by
// tests/browser.rs (`cargo test`), which builds an index and runs `leian serve`; it passes
//   LEIAN_URL         the server, e.g. http://127.0.0.1:38123
//   CHROMIUM          the browser binary (Debian: /usr/bin/chromium)
//   LEIAN_SCREENSHOT  where to write the result page's screenshot
//   LEIAN_QUERY       the fact summary to search with
//   LEIAN_RICH        "1" when the index holds the shared corpus (outcome charts expected)
//   LEIAN_API_KEY     a read key, when the server requires keys
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = process.env.LEIAN_URL;
const query = process.env.LEIAN_QUERY;
const rich = process.env.LEIAN_RICH === "1";
const apiKey = process.env.LEIAN_API_KEY || "";
assert.ok(base && query, "LEIAN_URL and LEIAN_QUERY are required");

const profile = mkdtempSync(join(tmpdir(), "leian-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1360, height: 900 },
  locale: "zh-CN",
  // This machine's network is closed: without these Chromium keeps trying to reach its
  // update and sync services.
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-quic", "--disable-sync",
  ],
});
const page = context.pages()[0] || (await context.newPage());
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(error.message));

const message = page.locator("#message");
let step = "start";
async function check(name, body) {
  step = name;
  await body();
  console.log(`ok - ${name}`);
}

async function download(button) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  return { name: file.suggestedFilename(), content: readFileSync(await file.path(), "utf8") };
}

try {
  await check("the page loads", async () => {
    await page.goto(base + "/");
    assert.match(await page.title(), /Leian/);
  });

  if (apiKey) {
    await check("without a key the page says so, asks for it, then uses it", async () => {
      await page.waitForFunction(() => /API 密钥/.test(document.querySelector("#server-status").innerText));
      await page.fill("#query", query);
      await page.click("#search-button");
      await page.waitForFunction(() => /服务器要求 API 密钥/.test(document.querySelector("#message").innerText));
      assert.ok(await page.locator("#settings").evaluate((dialog) => dialog.open), "settings dialog opened");
      await page.fill("#api-key", apiKey);
      await page.fill("#searcher", "张法官");
      await page.click("#settings button[value=save]");
      assert.ok(!(await page.locator("#settings").evaluate((dialog) => dialog.open)));
      await page.fill("#query", "");
    });
  }

  await check("the page reaches the server", async () => {
    await page.locator("#server-status .ok").waitFor();
    assert.match(await page.locator("#server-status").innerText(), /案例 \d+ 件/);
  });

  await check("an empty query gets a clear message, without a request", async () => {
    let requests = 0;
    const count = (request) => { if (request.url().includes("/v1/search")) requests += 1; };
    page.on("request", count);
    await page.click("#search-button");
    await message.waitFor();
    assert.match(await message.innerText(), /请先输入案情摘要/);
    assert.equal(await page.evaluate(() => document.activeElement.id), "query");
    page.off("request", count);
    assert.equal(requests, 0);
  });

  await check("a query without searchable words shows the server's empty_query in plain words", async () => {
    await page.fill("#query", "，。；！");
    await page.click("#search-button");
    await page.waitForFunction(() => /没有可检索的词语/.test(document.querySelector("#message").innerText));
  });

  await check("a fact summary submitted from the keyboard gives ranked, highlighted results", async () => {
    await page.fill("#query", query);
    await page.fill("#court-name", "上海市浦东新区人民法院");
    await page.focus("#query");
    await page.keyboard.press("Control+Enter");
    await page.locator(".hit").first().waitFor();
    assert.ok(await message.isHidden(), "no error message after a good search");
    const summary = await page.locator("#result-summary").innerText();
    assert.match(summary, /检索方式：.*类案 \d+ 件/);
    const ranks = await page.locator(".hit .rank").allInnerTexts();
    assert.ok(ranks.length > 0);
    assert.ok(await page.locator(".hit .snippet mark").count() > 0, "snippets mark the query's terms");
    assert.ok(await page.locator(".tier h3").count() > 0, "judgments grouped by tier");
    assert.ok(await page.locator(".hit .badge").count() > 0, "tier badges");
    assert.ok(await page.locator(".statute").count() > 0, "statutes panel");
    assert.ok(await page.locator(".statute .badge").count() > 0, "statute validity");
    assert.ok(await page.locator("#query-marked mark").count() > 0, "the query's elements marked");
    if (rich) {
      assert.ok(await page.locator("#outcome svg.chart").count() > 0, "outcome chart");
      // A criminal query: the sentencing reference with its figure or its reason to abstain.
      assert.match(await page.locator("#estimate").innerText(), /类案量刑参考[\s\S]*(估计刑期|不作量刑参考)/);
      assert.ok(await page.locator(".chip.shared").count() > 0, "shared elements");
    }
  });

  await check("a screenshot of the result page", async () => {
    if (process.env.LEIAN_SCREENSHOT) {
      // The results, not the form: the summary line at the top of the picture.
      await page.locator("#result-summary").evaluate((node) => node.scrollIntoView({ block: "start" }));
      await page.screenshot({ path: process.env.LEIAN_SCREENSHOT, fullPage: false });
      await page.evaluate(() => window.scrollTo(0, 0));
    }
  });

  await check("the report exports as Markdown and HTML", async () => {
    const markdown = await download("#export-markdown");
    assert.match(markdown.name, /^类案检索报告-.*\.md$/);
    assert.match(markdown.content, /类案检索报告/);
    assert.match(markdown.content, /参照/);
    if (apiKey) assert.match(markdown.content, /张法官/, "the searcher from the settings");
    assert.match(await message.innerText(), /已生成并下载/);
    const html = await download("#export-html");
    assert.match(html.name, /\.html$/);
    assert.match(html.content, /^<!DOCTYPE html>/i);
  });

  await check("a server error is shown in plain words", async () => {
    await page.route("**/v1/search", (route) => route.fulfill({
      status: 500,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "internal", message: "injected failure" } }),
    }));
    await page.click("#search-button");
    await page.waitForFunction(() => /服务器内部错误/.test(document.querySelector("#message").innerText));
    await page.unroute("**/v1/search");
  });

  await check("an unreachable server is shown in plain words", async () => {
    await page.route("**/v1/search", (route) => route.abort("connectionrefused"));
    await page.click("#search-button");
    await page.waitForFunction(() => /无法连接到 Leian 服务器/.test(document.querySelector("#message").innerText));
    await page.unroute("**/v1/search");
  });

  await check("the citation check marks valid and invalid citations", async () => {
    await page.focus("#tab-search");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getAttribute("#tab-check", "aria-selected"), "true");
    await page.click("#check-button");
    await page.waitForFunction(() => /请先粘贴要检查的文书草稿/.test(document.querySelector("#message").innerText));
    await page.fill("#draft", "依照《中华人民共和国刑法》第二百六十四条、第六十七条第一款、第九百九十九条，《中华人民共和国合同法》第五十二条之规定，判决如下。");
    await page.click("#check-button");
    await page.locator("#citations tr").first().waitFor();
    const statuses = await page.locator("#citations tr").evaluateAll((rows) => rows.map((r) => r.dataset.status));
    assert.ok(statuses.includes("valid"), `statuses: ${statuses}`);
    assert.ok(statuses.includes("article_not_found"), `statuses: ${statuses}`);
    assert.ok(statuses.length >= 4, `statuses: ${statuses}`);
    assert.ok(await page.locator("#draft-marked mark").count() >= 4);
    assert.match(await page.locator("#check-summary").innerText(), /需要核对/);
    // The outcome beside the citations: this draft has no 判决如下 part to compare.
    assert.equal(await page.getAttribute("#draft-outcome", "data-status"), "no_reference");
    assert.match(await page.locator("#draft-outcome").innerText(), /无类案可比[\s\S]*判决如下/);
  });

  await check("a batch of filings is grouped into waves; representative, demonstrative judgment, referrals", async () => {
    // A judgment of this index to choose as the demonstrative one: the search's first result.
    const judgmentId = await page.locator(".hit").first().getAttribute("data-id");
    assert.ok(judgmentId, "a search result to choose");
    await page.click("#tab-batch");
    assert.equal(await page.getAttribute("#tab-batch", "aria-selected"), "true");
    await page.click("#batch-button");
    await page.waitForFunction(() => /请先选择批量案件文件/.test(document.querySelector("#message").innerText));

    const dir = mkdtempSync(join(tmpdir(), "leian-batch-"));
    const filing = (id, who, sum) => JSON.stringify({ id, text:
      `原告中国平安财产保险股份有限公司安徽分公司诉称，被告${who}于2018年4月9日向银行借款，原告为该借款提供个人消费信贷保证保险，被告逾期未还，原告依约理赔${sum}元后向被告追偿未果，请求判令被告偿还理赔款${sum}元及违约金。` });
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${filing("p1", "刘x2", 52000)}\n{not json\n`);
    await page.setInputFiles("#batch-file", bad);
    await page.click("#batch-button");
    await page.waitForFunction(() => /第 2 行：不是有效的 JSON/.test(document.querySelector("#message").innerText));

    const good = join(dir, "filings.jsonl");
    writeFileSync(good, [
      filing("p1", "刘x2", 52000), filing("p2", "王x9", 88000), filing("p3", "孙x3", 61000),
      JSON.stringify({ id: "x1", text: "原告曹某与被告张某原系夫妻关系，因感情不和，原告诉至法院请求离婚。" }),
    ].join("\n"));
    await page.setInputFiles("#batch-file", good);
    await page.click("#batch-button");
    const wave = page.locator(".wave").first();
    await wave.waitFor();
    assert.match(await page.locator("#batch-summary").innerText(), /共 4 件，分为 1 个系列，1 件未归入系列/);
    assert.match(await wave.locator("table.shared").innerText(), /共同当事人[\s\S]*平安财险/);
    assert.equal(await wave.locator("table.differences tbody tr").count(), 3);
    assert.match(await wave.locator("table.differences").innerText(), /52000 元/);
    assert.match(await page.locator("#singletons").innerText(), /x1/);
    assert.ok(await wave.locator(".referrals-markdown").isDisabled(), "no referrals before a demonstrative judgment");

    // The proposed representative is checked; the judge picks another member.
    assert.equal(await wave.locator("table.differences input[type=radio]:checked").count(), 1);
    const other = wave.locator("table.differences input[type=radio]:not(:checked)").first();
    const representative = await other.getAttribute("value");
    await other.check();
    await page.waitForFunction((id) => document.querySelector("#message").innerText.includes(`已将 ${id} 选为系列 W1 的示范性首案`), representative);

    await wave.locator(".judgment-id").fill("no-such-judgment");
    await wave.locator(".choose-other").click();
    await page.waitForFunction(() => /索引中没有 id 为“no-such-judgment”的裁判文书/.test(document.querySelector("#message").innerText));
    await wave.locator(".judgment-id").fill(judgmentId);
    await wave.locator(".choose-other").click();
    await page.waitForFunction(() => /已选定系列 W1 的示范判决/.test(document.querySelector("#message").innerText));
    assert.match(await wave.locator(".chosen").innerText(), /已选定示范判决/);

    const markdown = await download(".wave .referrals-markdown");
    assert.equal(markdown.name, "参照调处建议书-W1.md");
    assert.equal(markdown.content.match(/^# 类案调解参照调处建议书$/gm).length, 3);
    for (const part of ["示范判决的裁判要旨", "### 相同的事实", "### 不同的事实", "金额对照", "52000 元", "适用的法律条文", "调解员意见", `**示范性首案**：${representative}`]) {
      assert.ok(markdown.content.includes(part), `${part} missing from the referrals`);
    }
    const html = await download(".wave .referrals-html");
    assert.equal(html.name, "参照调处建议书-W1.html");
    assert.match(html.content, /^<!DOCTYPE html>/i);
    assert.equal(html.content.match(/<h1>类案调解参照调处建议书<\/h1>/g).length, 3);
    assert.match(html.content, /<textarea/);
    rmSync(dir, { recursive: true, force: true });
  });

  await check("the task pane example uses leian-client.js", async () => {
    await page.goto(base + "/taskpane.html");
    await page.fill("#key", apiKey);
    await page.click("#similar");
    await page.waitForFunction(() => /请先在文书中选中/.test(document.querySelector("#status").innerText));
    await page.fill("#selection", query);
    await page.click("#similar");
    await page.locator("#list li").first().waitFor();
    assert.match(await page.locator("#list").innerText(), /法条|参考|参照/);
  });

  assert.deepEqual(pageErrors, [], "no script errors on the page");
  console.log("all browser checks passed");
} catch (error) {
  console.error(`not ok - ${step}: ${error.stack || error}`);
  if (process.env.LEIAN_SCREENSHOT) {
    await page.screenshot({ path: process.env.LEIAN_SCREENSHOT.replace(/\.png$/, "-failure.png"), fullPage: true }).catch(() => {});
  }
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
