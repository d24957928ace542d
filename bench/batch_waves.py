#!/usr/bin/env python3
"""Synthetic waves of parallel filings for `leian eval --kind batch` and the batch benchmark.

Takes real civil judgments of the shared corpus whose causes come in waves (保证保险, 民间借贷,
劳动争议, 信用卡/借款, 物业服务, 著作权 …) and writes, for each seed, variants as parallel
filings differ: other names, amounts, dates, addresses and numbers, sentences reworded or dropped,
the repeat party kept. Real judgments of the same causes that are not seeds are mixed in as
distractors with `"wave": null`. Real waves of the corpus are neither labelled nor looked for.

Deterministic: the same arguments give the same file.

    python3 bench/batch_waves.py --seeds 40 --out corpus/fixtures/batch/dev.jsonl
    python3 bench/batch_waves.py --seeds 1400 --size 10000 --out /tmp/batch-10k.jsonl
"""

import argparse
import json
import random
import re
import sys

CAUSES = {
    "保证保险合同纠纷": "insurer",
    "保险人代位求偿权纠纷": "insurer",
    "保证合同纠纷": "bank",
    "民间借贷纠纷": "lender",
    "小额借款合同纠纷": "bank",
    "金融借款合同纠纷": "bank",
    "借款合同纠纷": "bank",
    "信用卡纠纷": "bank",
    "借记卡纠纷": "bank",
    "物业服务合同纠纷": "property",
    "劳动争议": "employer",
    "追索劳动报酬纠纷": "employer",
    "劳动合同纠纷": "employer",
    "侵害其他著作财产权纠纷": "rights",
    "著作权权属、侵权纠纷": "rights",
    "侵害计算机软件著作权纠纷": "rights",
}

# Repeat parties given to a seed that names none, or to a seed used again (large sets): a brand
# of its own per wave, so that two waves never share a parent organisation by accident.
REPEAT = {
    "insurer": ["{b}财产保险股份有限公司{r}分公司", "{b}保险股份有限公司{r}中心支公司"],
    "bank": ["{b}银行股份有限公司{r}支行", "{b}银行股份有限公司信用卡中心", "{r}{b}农村商业银行股份有限公司"],
    "lender": ["{s}x{n}"],
    "property": ["{r}{b}物业服务有限公司", "{r}{b}物业管理有限公司"],
    "employer": ["{r}{b}机械制造有限公司", "{r}{b}速运有限公司", "{r}{b}餐饮管理有限公司"],
    "rights": ["{b}文化传媒有限公司", "{r}{b}影视文化集团有限公司"],
}
BRAND = "恒瑞嘉诚鼎盛华信宏泰安达永昌金源鑫隆福顺远航新润天合博雅锦程中联汇通正阳德丰万和启明东升"
USED = set()
REGIONS = ["安徽", "江苏", "浙江", "广东", "四川", "湖南", "湖北", "河南", "山东", "福建",
           "重庆", "云南", "江西", "河北", "辽宁", "陕西"]
CITIES = ["合肥市", "南京市", "杭州市", "广州市", "成都市", "长沙市", "武汉市", "郑州市", "济南市",
          "福州市", "昆明市", "南昌市", "石家庄市", "沈阳市", "西安市", "苏州市", "宁波市"]
DISTRICTS = ["朝阳区", "高新区", "经开区", "城关镇", "新城区", "滨江区", "包河区", "天河区", "武侯区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌波宇浩凯鹏飞鑫雪梅琳晨"
REWORD = [
    ("诉称", "起诉称"), ("未按约", "未按照约定"), ("多次催", "经多次催"), ("判令", "请求判令"),
    ("至今未", "迄今仍未"), ("支付", "给付"), ("约定", "双方约定"), ("经审理查明", "本院查明"),
    ("事实与理由", "事实和理由"), ("逾期", "到期后"), ("上述事实", "以上事实"), ("拖欠", "欠付"),
    ("向本院提出诉讼请求", "向本院起诉，请求"), ("承担", "负担"), ("立即", "即"), ("本金", "借款本金"),
]
PERSON = re.compile(r"[" + SURNAMES + r"某][xX×]?\d+|[" + SURNAMES + r"]某+")
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(\s*)(万元|元)")
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
NUMBER = re.compile(r"\d{5,}")
ROLE_NAME = re.compile(r"原告([^，,。：:；;（(向与诉称]{2,30}?(?:公司|银行|中心|协会|支行|分行|营业部|x\d+|\d+))")


def person(rng):
    if rng.random() < 0.5:
        return rng.choice(SURNAMES) + "x" + str(rng.randint(1, 30))
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def fill(template, rng):
    tries = 0
    while True:
        tries += 1
        # Two characters, three once the two-character brands run short (large sets).
        brand = "".join(rng.choice(BRAND) for _ in range(2 if tries < 20 else 3))
        lender = rng.choice(SURNAMES) + "x" + str(rng.randint(1, 99))
        key = lender if "{s}" in template else brand
        if key not in USED:
            USED.add(key)
            break
    return template.format(r=rng.choice(REGIONS), b=brand, s=lender[0], n=lender[2:])


def repeat_party(seed, rng, fresh):
    """The seed's named plaintiff, or a plausible one for its cause (always when `fresh`)."""
    found = ROLE_NAME.search(seed["facts"])
    if found and not fresh:
        return found.group(1), seed["facts"]
    party = fill(rng.choice(REPEAT[CAUSES[seed["causes"][0]]]), rng)
    text = seed["facts"]
    if found:
        text = text.replace(found.group(1), party)
    elif "原告" in text:
        text = re.sub(r"原告(?=向|诉称|称|：|:|提出|起诉)", "原告" + party, text, count=1)
        if party not in text:
            text = text.replace("原告", "原告" + party, 1)
    else:
        text = "原告" + party + "诉称：" + text
    return party, text


ORG = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:有限责任公司|股份有限公司|有限公司|公司|银行|信用社|合作社|局|中心|协会)")


def rename_organisations(text, party, rng):
    """Another wave from a seed used before: its other organisations are others too (a shared
    corporate defendant would make it the same wave)."""
    names = {}

    def rename(m):
        if m.group(0) in party or party in m.group(0):
            return m.group(0)
        return names.setdefault(m.group(0), fill("{r}{b}" + m.group(0)[-2:], rng))

    return ORG.sub(rename, text)


def variant(text, party, rng, strength):
    # Other persons: every anonymised or 某-name except the repeat party.
    names = {}

    def rename(m):
        if m.group(0) in party:
            return m.group(0)
        return names.setdefault(m.group(0), person(rng))

    text = PERSON.sub(rename, text)
    factor = rng.uniform(0.3, 3.0)

    def amount(m):
        value = float(m.group(1)) * factor
        if "." in m.group(1):
            return f"{value:.2f}{m.group(2)}{m.group(3)}"
        return f"{int(round(value))}{m.group(2)}{m.group(3)}"

    text = AMOUNT.sub(amount, text)
    shift_years = rng.randint(-2, 2)

    def date(m):
        year = int(m.group(1)) + shift_years
        return f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"

    text = DATE.sub(date, text)
    text = NUMBER.sub(lambda m: "".join(rng.choice("0123456789") for _ in m.group(0)), text)
    for city in CITIES:
        if city in text and rng.random() < 0.5:
            text = text.replace(city, rng.choice(CITIES))
    for district in DISTRICTS:
        if district in text and rng.random() < 0.5:
            text = text.replace(district, rng.choice(DISTRICTS))
    for old, new in REWORD:
        if old in text and rng.random() < 0.4 * strength:
            text = text.replace(old, new, 1)
    # Sentences: some dropped, two neighbours sometimes swapped; the first (parties) kept.
    sentences = [s for s in re.split(r"(?<=[。；;])", text) if s]
    drop = 0.15
    if len(sentences) < 4:
        # Corpus texts often lost their full stops: clauses then, dropped more rarely.
        sentences = [s for s in re.split(r"(?<=[，,])", text) if s]
        drop = 0.06
    kept = sentences[:1] + [s for s in sentences[1:] if rng.random() > drop * strength]
    if len(kept) > 3 and rng.random() < 0.3 * strength:
        i = rng.randint(1, len(kept) - 2)
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return "".join(kept)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="../shared/data/corpus/judgments.jsonl")
    ap.add_argument("--seeds", type=int, default=40, help="waves (seed judgments)")
    ap.add_argument("--size", type=int, default=0, help="total filings (0: waves of 2–12 + distractors)")
    ap.add_argument("--distractors", type=float, default=0.35, help="share of filings in no wave")
    ap.add_argument("--max-chars", type=int, default=900, help="cut each text (keeps the fixture small)")
    ap.add_argument("--strength", type=float, default=1.0, help="how much variants differ (0–2)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", default="-")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = []
    with open(args.corpus, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["domain"] == "civil" and d["causes"] and d["causes"][0] in CAUSES and len(d["facts"]) >= 120:
                d["facts"] = d["facts"][: args.max_chars]
                pool.append(d)
    pool.sort(key=lambda d: d["id"])
    rng.shuffle(pool)
    # Seeds mutually dissimilar: the corpus holds real parallel cases (one court's template), and
    # two seeds of one real wave would make two labels for one wave. A judgment near-identical to
    # a seed is left out altogether (it would be an unlabelled member of the seed's wave); this
    # compares texts only and labels nothing.
    def grams(text):
        return {text[i:i + 3] for i in range(min(len(text), 400) - 2)}

    def near(a, b):
        return len(a & b) / max(1, len(a | b)) > 0.3

    n_seeds = min(args.seeds, len(pool) * 2 // 3)
    seeds, rest, chosen = [], [], []
    for d in pool:
        g = grams(d["facts"])
        if any(near(g, c) for c in chosen):
            continue
        if len(seeds) < n_seeds:
            seeds.append(d)
            chosen.append(g)
        else:
            rest.append(d)
    wave_total = int(args.size * (1 - args.distractors)) if args.size else 0
    rows = []
    w = 0
    reuse = 0
    while True:
        for seed in seeds:
            if args.size and sum(1 for r in rows if r["wave"]) >= wave_total:
                break
            # A seed used again (large benchmark sets) becomes another wave: another repeat party.
            party, text = repeat_party(seed, rng, fresh=reuse > 0)
            if reuse > 0:
                text = rename_organisations(text, party, rng)
            w += 1
            label = f"w{w}"
            size = rng.randint(2, 12) if not args.size else rng.randint(2, 20)
            # A seed's first use keeps it as a member; a seed used again (another wave) has
            # variants only, so no two waves share the seed's own names.
            first = [text] if reuse == 0 else []
            members = first + [variant(text, party, rng, args.strength) for _ in range(size - len(first))]
            for k, member in enumerate(members):
                rows.append({"id": f"{label}-{k + 1}", "text": member, "wave": label,
                             "cause": seed["causes"][0], "source_id": seed["id"]})
        reuse += 1
        if not args.size or sum(1 for r in rows if r["wave"]) >= wave_total:
            break
    n_distractors = (args.size - len(rows)) if args.size else int(len(rows) * args.distractors / (1 - args.distractors))
    causes = {r["cause"] for r in rows}
    same_cause = [d for d in rest if d["causes"][0] in causes]
    for k in range(max(0, n_distractors)):
        d = same_cause[k % len(same_cause)]
        # Beyond the real ones, distractors are variants with another plaintiff: same cause,
        # another litigant — they must stay out of every wave.
        if k < len(same_cause):
            text = d["facts"]
        else:
            party, text = repeat_party(d, rng, True)
            text = variant(rename_organisations(text, party, rng), party, rng, 1.0)
        rows.append({"id": f"d{k + 1}", "text": text, "wave": None, "cause": d["causes"][0], "source_id": d["id"]})
    rng.shuffle(rows)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    for r in rows:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} filings, {w} waves, {sum(1 for r in rows if r['wave'] is None)} distractors",
          file=sys.stderr)


if __name__ == "__main__":
    main()
