#!/usr/bin/env python3
"""Train the bundled encoder's WordPiece vocabulary on the training stories.

Normalisation and splitting are BERT-uncased's, as attnscope's
src/core/tokenizer_wpm.c and llama.cpp's WPM tokenizer do them: each code
point becomes the first code point of its canonical decomposition (accents
stripped), combining marks and control/format characters are dropped, the
rest is lower-cased; white space ends a word; punctuation, ASCII symbols and
CJK ideographs are words of their own.

The vocabulary is built by frequency, not by BERT's likelihood merges
(simple, deterministic, and enough for a corpus this small):
  1. the specials [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0-4);
  2. every character seen at least --min_char times, as a word start ("a")
     and as a continuation ("##a"), so nearly every word can be spelt;
  3. whole words, most frequent first, down to --min_word occurrences;
  4. continuation pieces "##<suffix>" of 2+ characters, scored by how many
     word occurrences outside the vocabulary end in them, until --size.
No word is forced in.  Writes one piece per line (the line number is the id),
vocab.txt style, and prints the counts of the lesson words.
"""
import argparse, collections, os, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "corpus"))
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
LESSON = ["bank", "river", "steep", "cat", "mat", "tired", "it", "sat"]


def is_cjk(c):
    c = ord(c)
    return (0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF or 0x20000 <= c <= 0x2A6DF
            or 0x2A700 <= c <= 0x2B73F or 0x2B740 <= c <= 0x2B81F or 0x2B920 <= c <= 0x2CEAF
            or 0xF900 <= c <= 0xFAFF or 0x2F800 <= c <= 0x2FA1F)


def words(text):
    """BERT-uncased basic tokenisation of TEXT: the list of words."""
    out, cur = [], []
    for ch in text:
        c = unicodedata.normalize("NFD", ch)[0]
        if c.isspace():
            if cur:
                out.append("".join(cur)); cur = []
            continue
        cat = unicodedata.category(c)
        if c in ("\0", "\ufffd") or cat in ("Cc", "Cf", "Co", "Cs") or cat.startswith("M"):
            continue
        c = c.lower()
        if cat.startswith("P") or (ord(c) < 0x7F and cat.startswith("S")) or is_cjk(c):
            if cur:
                out.append("".join(cur)); cur = []
            out.append(c)
            continue
        cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


def read_stories(path):
    """The stories of PATH, the <|endoftext|> separator lines dropped."""
    text = open(path, encoding="utf-8").read()
    return [s.strip("\n") for s in text.split("<|endoftext|>") if s.strip()]


def wordpiece(word, vocab, max_len=100):
    """Greedy longest-match-first split of WORD; None if it cannot be spelt."""
    out, i = [], 0
    while i < len(word):
        for j in range(len(word), i, -1):
            p = word[i:j] if i == 0 else "##" + word[i:j]
            if p in vocab:
                out.append(p); i = j
                break
        else:
            return None
    return out


def build(counts, size, min_char, min_word):
    pieces = list(SPECIALS)
    chars = collections.Counter()
    for w, n in counts.items():
        for c in w:
            chars[c] += n
    alpha = sorted(c for c, n in chars.items() if n >= min_char)
    pieces += alpha + ["##" + c for c in alpha]
    have = set(pieces)
    for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(pieces) >= size or n < min_word:
            break
        if w not in have:
            pieces.append(w); have.add(w)
    # suffixes of the words still outside the vocabulary, by the number of
    # word occurrences they would serve
    suf = collections.Counter()
    for w, n in counts.items():
        if w in have:
            continue
        for k in range(1, len(w) - 1):
            suf["##" + w[k:]] += n
    for p, n in sorted(suf.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(pieces) >= size:
            break
        if p not in have:
            pieces.append(p); have.add(p)
    return pieces


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default=os.path.join(CORPUS, "tinystories-train.txt"))
    ap.add_argument("--out", default=os.path.join(HERE, "tinystories-enc-vocab.txt"))
    ap.add_argument("--size", type=int, default=6144, help="pieces in all, specials included")
    ap.add_argument("--min_char", type=int, default=2, help="rarer characters are left to [UNK]")
    ap.add_argument("--min_word", type=int, default=3, help="whole words need this many occurrences")
    a = ap.parse_args()

    counts = collections.Counter()
    for s in read_stories(a.train):
        counts.update(words(s))
    pieces = build(counts, a.size, a.min_char, a.min_word)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in pieces))
    vocab = set(pieces)
    nw = sum(counts.values())
    whole = sum(n for w, n in counts.items() if w in vocab)
    unk = sum(n for w, n in counts.items() if wordpiece(w, vocab) is None)
    ntok = sum(n * len(wordpiece(w, vocab) or [1]) for w, n in counts.items())
    kinds = collections.Counter("special" if p in SPECIALS else "##" if p.startswith("##")
                                else "word" for p in pieces)
    print(f"{len(pieces)} pieces ({dict(kinds)}) -> {a.out}")
    print(f"{nw} words, {len(counts)} distinct; {whole/nw:.4f} of occurrences are one piece; "
          f"{unk} occurrences become [UNK]; {ntok} tokens ({ntok/nw:.3f} per word)")
    words_in = [p for p in pieces[5 + 2 * sum(1 for p in pieces if len(p) == 1):] if not p.startswith("##")]
    print(f"rarest whole word taken: count {min(counts[w] for w in words_in)}")
    for w in LESSON:
        print(f"  {w!r}: {counts[w]} occurrences, pieces {wordpiece(w, vocab)}")


if __name__ == "__main__":
    sys.exit(main())
