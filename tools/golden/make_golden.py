#!/usr/bin/python3
"""make_golden.py - write golden attention files for a model, computed by
reference.py (float64, no attnscope code), in the format of
../shared/golden (see its README).

usage: make_golden.py MODEL.gguf TOKENIZER.model OUTDIR SENTENCES.txt
One sentence per line of SENTENCES.txt ("\\n" in a line stands for a newline).
"""
import json
import os
import re
import sys

import numpy as np
import sentencepiece as spm

from reference import Model, tokenize


def slug(text):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return s or "empty"


def main():
    model_path, spm_path, outdir, sentences = sys.argv[1:5]
    m = Model(model_path)
    sp = spm.SentencePieceProcessor(model_file=spm_path)
    os.makedirs(outdir, exist_ok=True)
    name = os.path.basename(model_path)
    content = open(sentences, encoding="utf-8").read()
    lines = content.split("\n")
    if content.endswith("\n"):
        lines.pop()  # the end of the last line, not an empty sentence
    for line in lines:
        if line.startswith("#"):
            continue
        text = line.replace("\\n", "\n")
        ids = tokenize(sp, text)
        attn, logits = m.forward(ids)
        top = np.argsort(-logits, kind="stable")[:5]
        doc = {
            "model": name,
            "text": text,
            "tokens": ids,
            "pieces": [sp.id_to_piece(i) for i in ids],
            "n_layers": m.n_layers,
            "n_heads": m.n_heads,
            "attention": np.round(attn, 6).tolist(),
            "logits_last": {"top_ids": [int(i) for i in top],
                            "top_values": [round(float(logits[i]), 5) for i in top]},
        }
        path = os.path.join(outdir, slug(text) + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=True, separators=(",", ":"))
        print(f"{path}: {len(ids)} tokens")


if __name__ == "__main__":
    main()
