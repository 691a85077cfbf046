#!/usr/bin/python3
"""head_findings.py - what each attention head of a model does on a fixed
set of sentences, measured with the independent float64 implementation
(tools/golden/reference.py) and SentencePiece's own tokenization.

usage: head_findings.py MODEL.gguf TOKENIZER.model [SENTENCES.tsv] [--json OUT]
                        [--detail K]

--detail K also lists, for the K-th pronoun sentence (from 1), the heads that
put more weight on the antecedent than on every other listed noun.

Per head (layer.head):
  prev   mean weight a query puts on the token just before it (positions >= 1)
  sink   mean weight on the first token, <s> (positions >= 2)
  self   mean weight on itself (positions >= 1)
For sentences with a pronoun and its antecedent (columns 2-4 of the file),
from the pronoun's last token:
  ante   mean weight on the antecedent word's tokens
  other  mean of the largest weight on any other listed noun's tokens
  wins   how many sentences put more weight on the antecedent than on every
         other listed noun
"""
import json
import os
import re
import sys

import numpy as np
import sentencepiece as spm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from reference import Model, tokenize  # noqa: E402


def token_spans(sp, ids, text):
    """Character span in TEXT of each token (BOS: empty). ASCII text only."""
    spans, pos = [(0, 0)], -1  # the leading "▁" stands before character 0
    for i in ids[1:]:
        piece = sp.id_to_piece(i).replace("\u2581", " ")
        start = max(pos, 0)
        pos += len(piece)
        spans.append((start, max(pos, 0)))
    return spans


def word_tokens(spans, text, word, which=0):
    """Indices of the tokens overlapping the WHICH-th whole-word WORD."""
    hits = [m.span() for m in re.finditer(r"\b%s\b" % re.escape(word), text)]
    a, b = hits[which]
    return [k for k, (s, e) in enumerate(spans) if s < b and e > a and e > s]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out_json = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    if out_json:
        args.remove(out_json)
    detail = int(sys.argv[sys.argv.index("--detail") + 1]) if "--detail" in sys.argv else 0
    if detail:
        args.remove(str(detail))
    detail_lines = []
    model_path, spm_path = args[0], args[1]
    sent_path = args[2] if len(args) > 2 else os.path.join(os.path.dirname(__file__), "sentences.tsv")
    m = Model(model_path)
    sp = spm.SentencePieceProcessor(model_file=spm_path)
    L, H = m.n_layers, m.n_heads
    prev, sink, self_ = [np.zeros((L, H)) for _ in range(3)]
    n_prev = n_sink = 0
    ante, other, wins = np.zeros((L, H)), np.zeros((L, H)), np.zeros((L, H), int)
    n_pron, n_sent = 0, 0
    for line in open(sent_path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        text = cols[0]
        ids = tokenize(sp, text)
        attn, _ = m.forward(ids)
        n = len(ids)
        n_sent += 1
        idx = np.arange(1, n)
        prev += attn[:, :, idx, idx - 1].sum(-1)
        self_ += attn[:, :, idx, idx].sum(-1)
        n_prev += n - 1
        idx2 = np.arange(2, n)
        sink += attn[:, :, idx2, 0].sum(-1)
        n_sink += n - 2
        if len(cols) >= 4 and cols[1]:
            spans = token_spans(sp, ids, text)
            q = word_tokens(spans, text, cols[1])[-1]
            a = word_tokens(spans, text, cols[2])
            others = [word_tokens(spans, text, w) for w in cols[3].split(",")]
            wa = attn[:, :, q, a].sum(-1)
            wo = np.max([attn[:, :, q, o].sum(-1) for o in others], axis=0)
            ante += wa
            other += wo
            wins += wa > wo
            n_pron += 1
            if n_pron == detail:
                detail_lines.append(f"{text!r}: from '{cols[1]}', antecedent '{cols[2]}' vs "
                                    f"{cols[3].replace(',', ', ')}")
                for l in range(L):
                    for h in range(H):
                        if wa[l, h] > wo[l, h]:
                            detail_lines.append(f"  head {l}.{h}: {cols[2]} {wa[l, h]:.3f} > "
                                                f"best other {wo[l, h]:.3f}")
                if len(detail_lines) == 1:
                    detail_lines.append("  no head")
    prev /= n_prev
    self_ /= n_prev
    sink /= n_sink
    ante /= n_pron
    other /= n_pron
    rows = []
    for l in range(L):
        for h in range(H):
            rows.append({"layer": l, "head": h, "prev": prev[l, h], "sink": sink[l, h],
                         "self": self_[l, h], "ante": ante[l, h], "other": other[l, h],
                         "wins": int(wins[l, h])})
    print(f"{os.path.basename(model_path)}: {n_sent} sentences, {n_pron} with a pronoun")
    print("| head | prev | sink | self | pronoun→antecedent | →best other noun | wins |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['layer']}.{r['head']} | {r['prev']:.2f} | {r['sink']:.2f} | {r['self']:.2f} "
              f"| {r['ante']:.2f} | {r['other']:.2f} | {r['wins']}/{n_pron} |")
    for line in detail_lines:
        print(line)
    if out_json:
        with open(out_json, "w") as f:
            json.dump({"sentences": n_sent, "pronoun_sentences": n_pron, "heads": rows}, f,
                      indent=1)


if __name__ == "__main__":
    main()
