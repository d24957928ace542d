#!/usr/bin/env python3
"""Build charges.tsv: the current list of criminal charges (罪名) with the 刑法 article(s).

Sources (public SPC/SPP rules, read from the lawrefbook statute collection):
  * 最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见 (1997-12-25) -- base list
    (the SPC 1997 《关于执行〈中华人民共和国刑法〉确定罪名的规定》 is not in the
    collection; where it differed from the SPP list, the 2002 supplement settles it)
  * 最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定 (2002) and (二)..(八),
    applied in date order: new charges are added, “取消……罪名” removes charges,
    “由“X”修改为“Y”” renames, and a handful of implicit replacements (a row that
    re-states a charge of the same article under a wider name without saying 取消)
    are listed in IMPLICIT_REPLACED below.

Usage: python3 build_charges.py <path to .../statutes/lawrefbook> [out.tsv]
Output: UTF-8 lines `罪名<TAB>article`, article like `264` or `133之一`; one line per
article when a charge spans several articles; sorted by article then name.
"""
import glob
import os
import re
import sys

CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
            "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(s):
    """Chinese numeral (up to 千) to int: 一百三十三 -> 133, 二百零五 -> 205, 十 -> 10."""
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in CN_DIGIT:
            cur = CN_DIGIT[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += cur * 100
            cur = 0
        elif ch == "千":
            total += cur * 1000
            cur = 0
        else:
            raise ValueError(s)
    return total + cur


ART_RE = re.compile(r"第\s*([0-9]+|[零〇一二两三四五六七八九十百千]+)\s*条(之[一二三四五六七八九十]+)?")


def articles_in(cell):
    """All 刑法 articles named in a table cell, before any reference to an amendment."""
    # drop parenthesised amendment references: （《刑法修正案（六）》第3条）
    cell = re.sub(r"[（(]\s*《[^》]*》[^）)]*[）)]?", "", cell)
    if cell.strip().startswith("《"):
        return []  # e.g. 《决定》第1条: not an article of the 刑法
    out = []
    for m in ART_RE.finditer(cell):
        if cell[:m.start()].rstrip().endswith("条"):
            continue  # 第371条第2条: a typo for 第2款, not an article
        a = str(cn_to_int(m.group(1))) + (m.group(2) or "")
        if a not in out:
            out.append(a)
    return out


def fix_name(n):
    n = re.sub(r"\s+", "", n)
    n = n.replace("剌探", "刺探")          # OCR typo in the SPP text
    n = n.replace("伪造变造国家有价证券罪", "伪造、变造国家有价证券罪")  # missing 、 in the SPP text
    return n


def split_names(text):
    """Split a cell holding one or more charge names (separated by space, ；, or 、 after 罪)."""
    text = text.strip()
    parts = re.split(r"(?<=罪)(?<!犯罪)[\s、；;]+", text)
    return [fix_name(p) for p in parts if p.strip()]


def parse_abolished(text):
    names = []
    for m in re.finditer(r"取消([^（）()]*?)(?:罪名|[）)]|$)", text):
        body = re.sub(r"刑法原第[^条]*条(第[^项]*项)?", "", m.group(1))
        for n in re.split(r"(?<=罪)(?:和|、|；)", body):
            n = fix_name(n)
            if n:
                names.append(n)
    return names


# Rows of a supplement that restate a charge of the same article under a new name without
# the word 取消: new name -> old name it replaces.
IMPLICIT_REPLACED = {
    "盗窃、抢夺枪支、弹药、爆炸物、危险物质罪": "盗窃、抢夺枪支、弹药、爆炸物罪",
    "抢劫枪支、弹药、爆炸物、危险物质罪": "抢劫枪支、弹药、爆炸物罪",
    "伪造、变造、转让金融机构经营许可证、批准文件罪": "伪造、变造、转让金融机构经营许可证罪",
    "编造并传播证券、期货交易虚假信息罪": "编造并传播证券交易虚假信息罪",
    "诱骗投资者买卖证券、期货合约罪": "诱骗投资者买卖证券罪",
    "操纵证券、期货交易价格罪": "操纵证券交易价格罪",
}


class Charges:
    def __init__(self):
        self.arts = {}   # name -> list of articles (ordered)
        self.log = []

    def add(self, name, arts, src):
        if not name.endswith("罪"):
            raise ValueError(f"{src}: not a charge name: {name!r}")
        if not arts:
            self.log.append(f"{src}: no 刑法 article for {name}; skipped")
            return
        lst = self.arts.setdefault(name, [])
        for a in arts:
            if a not in lst:
                lst.append(a)

    def remove(self, name, src):
        if name in self.arts:
            del self.arts[name]
            self.log.append(f"{src}: removed {name}")
        else:
            self.log.append(f"{src}: 取消 {name} (not in list; an SPC-1997-only name)")

    def rename(self, old, new, src):
        if old not in self.arts:
            raise ValueError(f"{src}: rename of unknown {old}")
        self.arts[new] = self.arts.pop(old)
        self.log.append(f"{src}: renamed {old} -> {new}")


def parse_base(path, ch):
    text = open(path, encoding="utf-8").read()
    body = text.split("<!-- INFO END -->", 1)[1]
    # items look like: 12．资敌罪（第112条）  (the number prefix is sometimes missing)
    # 国（边）境 / 国（境）外 contain full-width brackets: protect them while matching
    body = body.replace("（边）", "<边>").replace("（境）", "<境>")
    for m in re.finditer(r"(?:\d+．)?\s*([^\s（）．]+?罪)（(第[^）]*)）", body):
        name = fix_name(m.group(1).replace("<边>", "（边）").replace("<境>", "（境）"))
        ch.add(name, articles_in(m.group(2)), "1997-SPP")


def parse_supplement(path, ch, tag):
    text = open(path, encoding="utf-8").read()
    body = text.split("<!-- INFO END -->", 1)[1]
    last_arts = []
    for line in body.splitlines():
        line = line.strip()
        if line.startswith("|") and not line.startswith("|-"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) < 2 or cells[1] in ("罪名",):
                continue
            art_cell, name_cell = cells[0], cells[1]
            arts = articles_in(art_cell) if art_cell else last_arts
            if art_cell.strip().startswith("《"):
                arts = []
            last_arts = arts
            abolished = parse_abolished(name_cell)
            # names = the cell with the 取消 parentheticals removed
            kept = re.sub(r"[（(]\s*取消[^（）()]*(?:（[^）]*）[^（）()]*)*[）)]", " ", name_cell)
            kept = re.sub(r"取消\S*罪名", " ", kept)
            for old in abolished:
                ch.remove(old, tag)
            for n in split_names(kept):
                if n in IMPLICIT_REPLACED:
                    ch.remove(IMPLICIT_REPLACED[n], tag + " (implicit)")
                ch.add(n, arts, tag)
        else:
            for m in re.finditer(r"罪名由“([^”]+)”修改为“([^”]+)”", line):
                ch.rename(fix_name(m.group(1)), fix_name(m.group(2)), tag)


SUPP_ORDER = ["补充规定(", "补充规定（二）", "补充规定（三）", "补充规定（四）", "补充规定（五）",
              "补充规定（六）", "补充规定（七）", "补充规定（八）"]


def art_key(a):
    m = re.match(r"(\d+)(?:之(.+))?$", a)
    return (int(m.group(1)), cn_to_int(m.group(2)) if m.group(2) else 0)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "charges.tsv")
    sj = os.path.join(root, "司法解释")
    ch = Charges()
    base = glob.glob(os.path.join(sj, "最高人民检察院关于适用刑法分则规定的犯罪的罪名的意见*.md"))
    if len(base) != 1:
        sys.exit("base SPP opinion not found under " + sj)
    parse_base(base[0], ch)
    n_base = len(ch.arts)
    supps = glob.glob(os.path.join(sj, "最高人民法院、最高人民检察院关于执行《刑法》*确定罪名的补充规定*.md"))
    for key in SUPP_ORDER:
        hit = [p for p in supps if key in os.path.basename(p).replace(" ", "")]
        if len(hit) != 1:
            sys.exit(f"supplement {key} not found (or ambiguous): {hit}")
        parse_supplement(hit[0], ch, os.path.basename(hit[0]).split("确定罪名的")[1].split("(")[0] or key)
    rows = sorted({(n, a) for n, arts in ch.arts.items() for a in arts},
                  key=lambda r: (art_key(r[1]), r[0]))
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for n, a in rows:
            f.write(f"{n}\t{a}\n")
    for l in ch.log:
        print(l, file=sys.stderr)
    print(f"base {n_base} charges; current {len(ch.arts)} charges, {len(rows)} lines -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
