#!/usr/bin/env python3
"""Verify that every DOCID in qrels.trec names an article that exists in the
LawRefBook Markdown tree (the source of the statute index).

DOCID form: <document title>第N条 or <document title>第N条之一 (N in Arabic digits).
The title is the first `# ` heading of the Markdown file.  When several files
share a title (different versions, e.g. 公司法 2018 and 2023), the article must
exist in the newest one (the date in the file name); an id found only in an
older version is reported as OUTDATED.

Usage: python3 bench/civil-statutes/check.py [--root DIR] [--qrels FILE] [--show]
  --show  print the article text for every labelled DOCID (for manual review)
"""
import argparse, os, re, sys
from collections import defaultdict

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
SUFFIX = {"一": "之一", "二": "之二", "三": "之三", "四": "之四", "五": "之五"}
ART = re.compile(r"^\s*第([零〇一二两三四五六七八九十百千]+)条(之([一二三四五]))?[\s　]")
DATE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)")


def cn2int(s):
    total, cur = 0, 0
    for ch in s:
        if ch in DIGITS:
            cur = DIGITS[ch]
        elif ch in UNITS:
            total += (cur or 1) * UNITS[ch]
            cur = 0
        else:
            raise ValueError(s)
    return total + cur


def parse(path):
    title, arts = None, {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if title is None and line.startswith("# "):
                title = line[2:].strip()
                continue
            m = ART.match(line)
            if m:
                n = cn2int(m.group(1))
                key = f"第{n}条" + (SUFFIX[m.group(3)] if m.group(3) else "")
                cur = key
                arts.setdefault(key, line.strip())
            elif cur and line.strip() and not line.startswith("#"):
                if len(arts[cur]) < 400:
                    arts[cur] += " " + line.strip()
            elif line.startswith("#"):
                cur = None
    return title, arts


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="/work/shared/data/statutes/lawrefbook")
    ap.add_argument("--qrels", default=os.path.join(here, "qrels.trec"))
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()

    versions = defaultdict(list)  # title -> [(date, path, arts)]
    for dp, _, fs in os.walk(a.root):
        for fn in fs:
            if not fn.endswith(".md") or fn.startswith("_"):
                continue
            p = os.path.join(dp, fn)
            title, arts = parse(p)
            if not title or not arts:
                continue
            m = DATE.search(fn)
            versions[title].append((m.group(1) if m else "0000-00-00", p, arts))
    # files split into parts (民法典/*.md) share one title and no date: merge them
    newest, older = {}, {}
    for t, vs in versions.items():
        vs.sort(key=lambda v: v[0])
        top = vs[-1][0]
        merged = {}
        for d, p, arts in vs:
            if d == top:
                merged.update(arts)
        newest[t] = merged
        older[t] = set().union(*[set(v[2]) for v in vs if v[0] != top]) if len(vs) > 1 else set()

    pat = re.compile(r"^(.*?)(第\d+条(?:之[一二三四五])?)$")
    bad, n, ids = 0, 0, set()
    for ln, line in enumerate(open(a.qrels, encoding="utf-8"), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            print(f"line {ln}: malformed: {line.rstrip()}"); bad += 1; continue
        n += 1
        docid = parts[2]
        ids.add(docid)
        m = pat.match(docid)
        if not m:
            print(f"line {ln}: bad DOCID form: {docid}"); bad += 1; continue
        law, art = m.groups()
        if law not in newest:
            print(f"line {ln}: UNKNOWN LAW: {docid}"); bad += 1; continue
        if art not in newest[law]:
            tag = "OUTDATED (only in an older version)" if art in older[law] else "UNKNOWN ARTICLE"
            print(f"line {ln}: {tag}: {docid}"); bad += 1; continue
    if a.show:
        for d in sorted(ids):
            m = pat.match(d)
            if m and m.group(1) in newest and m.group(2) in newest[m.group(1)]:
                print(f"{d}\t{newest[m.group(1)][m.group(2)][:160]}")
    print(f"{n} qrels lines, {len(ids)} distinct articles, {bad} problems", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
