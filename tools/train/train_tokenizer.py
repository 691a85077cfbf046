#!/usr/bin/env python3
"""Train the SentencePiece BPE tokenizer (vocab 2048, byte fallback) on the
TinyStories training text. Writes out/tok2048.model (+ .vocab)."""
import argparse, os, sys
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train import CORPUS  # noqa: E402

def stories(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for s in text.split("<|endoftext|>\n"):
        s = s.replace("<|endoftext|>", "").strip("\n")
        if s:
            yield s

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default=os.path.join(CORPUS, "tinystories-train.txt"))
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    # one paragraph (line) per sentence; separators removed
    txt = os.path.join(a.out, "tok_train.txt")
    n = 0
    with open(txt, "w", encoding="utf-8") as f:
        for s in stories(a.train):
            for line in s.split("\n"):
                if line.strip():
                    f.write(line + "\n"); n += 1
    print(f"{n} training lines -> {txt}")
    prefix = os.path.join(a.out, f"tok{a.vocab}")
    spm.SentencePieceTrainer.train(
        input=txt, model_prefix=prefix, model_type="bpe", vocab_size=a.vocab,
        byte_fallback=True, character_coverage=1.0,
        normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=False, split_digits=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        max_sentence_length=100000, input_sentence_size=0,
        shuffle_input_sentence=False, num_threads=2,
        allow_whitespace_only_pieces=True, minloglevel=1)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    s = "The cat sat on the mat because it was tired."
    pieces = sp.encode(s, out_type=str)
    print(f"{prefix}.model: vocab {sp.get_piece_size()}")
    print(f"{s!r} -> {len(pieces)} tokens for {len(s.split())} words: {pieces}")

if __name__ == "__main__":
    main()
