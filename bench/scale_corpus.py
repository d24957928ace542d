#!/usr/bin/env python3
"""Writes a court-sized judgment corpus (Leian JSONL, gzip) made by recombining real judgments.

Usage: python3 bench/scale_corpus.py --n 1000000 --out scale-1m.jsonl.gz [--source FILE]
       [--seed 7] [--include-real] [--jobs 2]

Each generated judgment takes a real judgment of the source as its template: the cause is drawn
with the source's cause frequencies and the template uniformly within the cause, so lengths and
causes follow the real corpus. Its facts are the template's sentences, about a third of them
replaced by the sentence at the same relative place of another judgment of the same cause; then
names (anonymised or 某 forms), places, amounts and dates are changed consistently within the
document. A template with a full text keeps its real 本院认为 / 判决如下 under the same
substitutions, its facts replaced by the recombined ones, and gets a new case number.

The output is deterministic for a seed and N, whatever --jobs is: document i draws from its own
random generator seeded by (seed, i). Documents are streamed: memory does not grow with N.
"""

import argparse
import gzip
import json
import multiprocessing
import os
import random
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, "..", "corpus", "judgments.jsonl.gz")
CHUNK = 2000

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# An anonymised person: 张x1, 王某, 李某某, 曹0 (a digit not starting a date, sum or count).
NAME = re.compile(
    "([%s])(?:[xX]\\d{1,2}|某某?|\\d{1,2}(?![\\d年月日元号时分万余个克%%.次名人辆岁条款项]))"
    % SURNAMES
)
# Cities replaced by one another. A fixed list rather than a pattern: a pattern over running
# text cuts names at the wrong character (湖南省津市 → 南省津市).
CITIES = (
    "北京 上海 天津 重庆 石家庄 唐山 保定 太原 大同 沈阳 大连 鞍山 长春 吉林 哈尔滨 齐齐哈尔 南京 无锡 徐州 "
    "常州 苏州 南通 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 合肥 芜湖 蚌埠 福州 厦门 泉州 南昌 赣州 济南 "
    "青岛 淄博 烟台 潍坊 临沂 郑州 洛阳 开封 新乡 南阳 武汉 宜昌 襄阳 长沙 株洲 衡阳 岳阳 广州 深圳 珠海 "
    "佛山 东莞 中山 惠州 南宁 柳州 桂林 海口 三亚 成都 绵阳 南充 宜宾 贵阳 遵义 昆明 曲靖 西安 宝鸡 咸阳 "
    "兰州 西宁 银川 乌鲁木齐 呼和浩特 包头"
).split()
PLACE = re.compile("(%s)(市)" % "|".join(sorted(CITIES, key=len, reverse=True)))
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(余?)(万元|元)")
YEAR = re.compile(r"(?<!\d)(19[89]\d|20[01]\d|202[0-3])(年)")
MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})(月)(\d{1,2})(日)")
SENTENCE = re.compile(r"[^。；！？]*[。；！？]?")
# The first case number of the text (the judgment's own, in the header), old forms included:
# （2015）潍刑二终字第188号.
CASE_NUMBER = re.compile(r"[（(]\d{4}[）)][^\s，。；：（）()]{1,20}?号")
PROVINCES = "京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂藏宁新"


def open_text(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def load_source(path):
    records = []
    with open_text(path) as f:
        for line in f:
            line = line.strip()
            if line:
                records.append(json.loads(line))
    return records


def sentences(text):
    return [s for s in SENTENCE.findall(text) if s]


class Pools:
    """The source grouped by cause, with each judgment's fact sentences."""

    def __init__(self, records):
        by_cause = defaultdict(list)
        for r in records:
            if not r.get("facts"):
                continue
            cause = (r.get("domain", ""), (r.get("causes") or ["?"])[0])
            by_cause[cause].append(r)
        self.causes = sorted(by_cause)
        self.weights = [len(by_cause[c]) for c in self.causes]
        self.by_cause = by_cause
        self.sentences = {r["id"]: sentences(r["facts"]) for rs in by_cause.values() for r in rs}


class Substitution:
    """One document's consistent replacements: a name or place is replaced the same way wherever
    it appears, amounts are scaled by one factor, dates shifted by one offset."""

    def __init__(self, rng, pools):
        self.rng = rng
        self.pools = pools
        self.names = {}
        self.places = {}
        self.amount_factor = rng.choice([0.3, 0.5, 0.7, 0.8, 0.9, 1.1, 1.25, 1.5, 2, 3, 5])
        self.year_shift = rng.randint(-4, 3)
        self.day_shift = rng.randint(0, 27)

    def name(self, m):
        key = m.group(0)
        if key not in self.names:
            surname = self.rng.choice(SURNAMES)
            form = self.rng.random()
            if form < 0.4:
                self.names[key] = surname + "某"
            elif form < 0.6:
                self.names[key] = surname + "某某"
            else:
                self.names[key] = "%sx%d" % (surname, self.rng.randint(1, 99))
        return self.names[key]

    def place(self, m):
        key = m.group(1)
        if key not in self.places:
            self.places[key] = self.rng.choice(CITIES)
        return self.places[key] + m.group(2)

    def amount(self, m):
        value = float(m.group(1)) * self.amount_factor
        if m.group(3) == "元" and value >= 100:
            # Round as filings state sums: to the hundred above 1,000, to the ten below.
            step = 100 if value >= 1000 else 10
            text = str(int(round(value / step) * step))
        elif "." in m.group(1) or value < 10:
            text = "%.2f" % value
        else:
            text = str(int(round(value)))
        return text + m.group(2) + m.group(3)

    def year(self, m):
        return str(min(2023, int(m.group(1)) + self.year_shift)) + m.group(2)

    def month_day(self, m):
        month, day = int(m.group(1)), int(m.group(3))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return m.group(0)
        day = (day - 1 + self.day_shift) % 28 + 1
        return "%d月%d日" % (month, day)

    def apply(self, text):
        text = NAME.sub(self.name, text)
        text = PLACE.sub(self.place, text)
        text = AMOUNT.sub(self.amount, text)
        text = YEAR.sub(self.year, text)
        return MONTH_DAY.sub(self.month_day, text)


def recombined_facts(rng, pools, template, cause):
    own = pools.sentences[template["id"]]
    peers = pools.by_cause[cause]
    out = []
    for i, sentence in enumerate(own):
        if len(peers) > 1 and rng.random() < 0.35:
            other = peers[rng.randrange(len(peers))]
            theirs = pools.sentences[other["id"]]
            if theirs:
                # The sentence at the same relative place: openings stay openings, the evidence
                # list stays at the end.
                j = min(len(theirs) - 1, i * len(theirs) // max(1, len(own)))
                sentence = theirs[j]
        out.append(sentence)
    if len(out) > 3 and rng.random() < 0.2:
        # Filings differ in length as well: drop one middle sentence now and then.
        del out[rng.randrange(1, len(out) - 1)]
    return "".join(out)


def generate(i, seed, pools):
    rng = random.Random(seed * 1_000_003 + i)
    cause = rng.choices(pools.causes, weights=pools.weights)[0]
    template = rng.choice(pools.by_cause[cause])
    substitution = Substitution(rng, pools)
    facts = recombined_facts(rng, pools, template, cause)
    record = {
        "id": "gen-%07d" % i,
        "kind": "judgment",
        "domain": template.get("domain") or "other",
        "causes": template.get("causes") or [],
        "facts": substitution.apply(facts),
        "source": "leian scale generator (recombined from %s)" % template["id"],
    }
    full_text = template.get("full_text")
    if full_text:
        if template["facts"] in full_text:
            full_text = full_text.replace(template["facts"], facts, 1)
        year = rng.randint(2014, 2023)
        kind = "民初" if record["domain"] == "civil" else "刑初"
        # The shape real numbers have: （year）province, a four-digit basic court, type, sequence.
        number = "（%d）%s%02d%02d%s%d号" % (
            year, rng.choice(PROVINCES), rng.randint(1, 99), rng.randint(1, 99), kind,
            rng.randint(1, 9999))
        full_text = CASE_NUMBER.sub(number, substitution.apply(full_text), count=1)
        record["full_text"] = full_text
    for key in ("cited_articles", "elements"):
        if template.get(key):
            record[key] = template[key]
    return record


def write_chunk(args):
    start, stop, seed, source, path = args
    pools = Pools(load_source(source)) if _POOLS is None else _POOLS
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as f:
        for i in range(start, stop):
            f.write(json.dumps(generate(i, seed, pools), ensure_ascii=False))
            f.write("\n")
    return stop - start


_POOLS = None


def init_worker(source):
    global _POOLS
    _POOLS = Pools(load_source(source))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, required=True, help="generated judgments")
    parser.add_argument("--out", required=True, help="output .jsonl.gz")
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="real judgments (Leian JSONL)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--include-real", action="store_true",
                        help="write the source's judgments first (evaluation queries find theirs)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.n < 0:
        sys.exit("--n must be at least 0")

    parts_dir = args.out + ".parts"
    os.makedirs(parts_dir, exist_ok=True)
    chunks = [(s, min(s + CHUNK, args.n), args.seed, args.source,
               os.path.join(parts_dir, "%09d.gz" % s)) for s in range(0, args.n, CHUNK)]
    # A part whose file is complete is not written again: an interrupted run resumes.
    todo = [c for c in chunks if not os.path.exists(c[4])]
    done = len(chunks) - len(todo)
    with multiprocessing.Pool(args.jobs, initializer=init_worker, initargs=(args.source,)) as pool:
        for c, _ in zip(todo, pool.imap(write_tmp_chunk, todo)):
            done += 1
            print("\r%d/%d parts" % (done, len(chunks)), end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    # gzip members concatenate into one valid gzip stream.
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as out:
        if args.include_real:
            with gzip.open(out, "wt", encoding="utf-8", compresslevel=1) as f:
                with open_text(args.source) as src:
                    for line in src:
                        if line.strip():
                            f.write(line if line.endswith("\n") else line + "\n")
        for c in chunks:
            with open(c[4], "rb") as part:
                while True:
                    block = part.read(1 << 20)
                    if not block:
                        break
                    out.write(block)
    os.replace(tmp, args.out)
    for c in chunks:
        os.remove(c[4])
    os.rmdir(parts_dir)
    print("wrote %s: %d generated judgments%s" % (
        args.out, args.n, " after the real ones" if args.include_real else ""), file=sys.stderr)


def write_tmp_chunk(chunk):
    # Written under a temporary name and renamed: a killed run leaves no half part behind.
    tmp = chunk[4] + ".tmp"
    n = write_chunk(chunk[:4] + (tmp,))
    os.replace(tmp, chunk[4])
    return n


if __name__ == "__main__":
    main()
