#!/usr/bin/python3
"""make_golden.py - write golden attention files for a model, computed by
reference.py (float64, no attnscope code), in the format of
../shared/golden (see its README).

usage: make_golden.py MODEL.gguf TOKENIZER OUTDIR SENTENCES.txt
TOKENIZER is a SentencePiece .model (the decoder), or a WordPiece vocabulary
.txt, one piece per line in id order (the bundled encoder: its ids are
tokenized by tools/train/train_wordpiece.py's BERT-uncased rules, [CLS] ...
[SEP], and it has no next-token logits).
One sentence per line of SENTENCES.txt ("\\n" in a line stands for a newline).
"""
import json
import os
import re
import sys

import numpy as np

from reference import Model, tokenize

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))


class WordPiece:
    """ids and pieces of the bundled encoder, from its vocabulary file."""

    def __init__(self, vocab_path, gguf_pieces):
        import train_wordpiece as wp
        self.wp = wp
        pieces = [l.rstrip("\n") for l in open(vocab_path, encoding="utf-8")]
        self.ids = {p: i for i, p in enumerate(pieces)}
        self.gguf = gguf_pieces

    def encode(self, text):
        out = [self.ids["[CLS]"]]
        for w in self.wp.words(text):
            ps = self.wp.wordpiece(w, self.ids)
            out += [self.ids[p] for p in ps] if ps else [self.ids["[UNK]"]]
        return out + [self.ids["[SEP]"]]

    def id_to_piece(self, i):
        return self.gguf[i]


def slug(text):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return s or "empty"


def main():
    model_path, tok_path, outdir, sentences = sys.argv[1:5]
    m = Model(model_path)
    if tok_path.endswith(".txt"):
        sp = WordPiece(tok_path, m.meta["tokenizer.ggml.tokens"])
        encode = sp.encode
    else:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=tok_path)
        encode = lambda text: tokenize(sp, text)
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
        ids = encode(text)
        attn, logits = m.outputs(ids)
        doc = {
            "model": name,
            "text": text,
            "tokens": ids,
            "pieces": [sp.id_to_piece(i) for i in ids],
            "n_layers": m.n_layers,
            "n_heads": m.n_heads,
            "attention": np.round(attn, 6).tolist(),
            "logits_last": None,
        }
        if m.has_lm_head:
            top = np.argsort(-logits, kind="stable")[:5]
            doc["logits_last"] = {"top_ids": [int(i) for i in top],
                                  "top_values": [round(float(logits[i]), 5) for i in top]}
        path = os.path.join(outdir, slug(text) + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=True, separators=(",", ":"))
        print(f"{path}: {len(ids)} tokens")


if __name__ == "__main__":
    main()
