#!/usr/bin/python3
"""check_induction.py - compare the induction scores and pattern labels of
`attnscope --dump heads` with reference.py's float64 forward pass, for any
GGUF `llama` model.

usage: check_induction.py [--tolerance T] [--threshold M] MODEL.gguf HEADS.txt

HEADS is `attnscope --model MODEL.gguf [--text TEXT] --dump heads`.

The definition (src/core/induction.h, Olsson et al. 2022), recomputed here
from the dump's comment line "# induction: T=<T> seed=<S> tokens <bos> r_0
.. r_{T-1}":
  the sequence is BOS, r_0 .. r_{T-1}, r_0 .. r_{T-1} (2T+1 tokens), one
  forward pass; a head's score is the mean over j = 0..T-1 of its attention
  A[1+T+j][2+j]: from the second copy of r_j to the token after its first
  copy.
The sequence itself is checked against the rule: T = min(50, (context-1)/2),
the BOS id the model's, the r_j distinct ordinary tokens (token type NORMAL,
not BOS) when the vocabulary has T of them.

The labels (analysis.h): from the row's own prev, self, first and entropy,
the sentence pattern is the largest of prev, self, first (ties in that
order) when it is >= 0.5, else broad when entropy >= 0.75, else content.  A
first-token, broad or content head whose reference score is >= M (0.3)
must be labelled "induction" with that score in the score column; every
other head keeps its sentence pattern and that pattern's number.  The
dump's numbers are printed to 3 decimals, so a value within rounding of a
boundary accepts either side (and a score within T of M either label).

Every head's score must be within T (1e-4) of the reference.  Prints a line
per check; exits 0 when every check passes, 1 when one fails, 2 when an
input cannot be used.
"""
import argparse
import re
import sys

import numpy as np

from reference import Model

MAX_T = 50
COLUMNS = ["layer", "head", "pattern", "score", "prev", "self", "first", "entropy", "induct"]
HALF = 5e-4  # half a unit of the third decimal


def fail(msg):
    print(f"check_induction.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse(path):
    """Return (T, seed, bos, r, rows {(l, h): dict}) from a --dump heads output."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    head = [ln for ln in lines if ln.startswith("# induction:")]
    if len(head) != 1:
        fail(f"{path}: no single \"# induction:\" comment line")
    m = re.fullmatch(r"# induction: T=(\d+) seed=(\d+) tokens((?: \d+)+)", head[0])
    if not m:
        fail(f"{path}: cannot read the comment line: {head[0]}")
    T, seed = int(m.group(1)), int(m.group(2))
    ids = [int(x) for x in m.group(3).split()]
    if len(ids) != T + 1:
        fail(f"{path}: T={T} but {len(ids)} tokens listed (want BOS and T)")
    titles = [ln.split() for ln in lines if ln.split()[:1] == ["layer"]]
    if titles != [COLUMNS]:
        fail(f"{path}: the column titles are not {' '.join(COLUMNS)}")
    rows = {}
    for ln in lines:
        f = ln.split()
        if not f or not f[0].isdigit():
            continue
        if len(f) != len(COLUMNS):
            fail(f"{path}: a row without {len(COLUMNS)} columns: {ln}")
        key = (int(f[0]), int(f[1]))
        if key in rows:
            fail(f"{path}: head {key[0]}.{key[1]} listed twice")
        try:
            rows[key] = dict(pattern=f[2], **{c: float(v) for c, v in zip(COLUMNS[3:], f[3:])})
        except ValueError:
            fail(f"{path}: a number that is not one: {ln}")
    return T, seed, ids[0], ids[1:], rows


def sentence_patterns(r):
    """Every (pattern, its number) the rounded prev/self/first/entropy allow."""
    vals = {"previous-token": r["prev"], "self": r["self"], "first-token": r["first"]}
    top = max(vals.values())
    out = set()
    for name, v in vals.items():
        if v < top - 2 * HALF:
            continue
        if v >= 0.5 - HALF:
            out.add((name, v))
        if v < 0.5 + HALF:
            if r["entropy"] >= 0.75 - HALF:
                out.add(("broad", r["entropy"]))
            if r["entropy"] < 0.75 + HALF:
                out.add(("content", r["entropy"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--threshold", type=float, default=0.3)
    ap.add_argument("model")
    ap.add_argument("heads")
    a = ap.parse_args()
    try:
        model = Model(a.model)
    except (OSError, ValueError, KeyError) as e:
        fail(f"{a.model}: {e}")
    T, seed, bos, r, rows = parse(a.heads)
    L, H = model.n_layers, model.n_heads
    bad = 0

    # The sequence follows the rule.
    meta = model.meta
    ctx = meta["llama.context_length"]
    vocab = min(len(meta["tokenizer.ggml.tokens"]), model.t["token_embd.weight"].shape[0])
    types = meta.get("tokenizer.ggml.token_type") or [1] * vocab
    want_bos = meta.get("tokenizer.ggml.bos_token_id", 1)
    ordinary = {i for i in range(vocab) if types[i] == 1 and i != want_bos}
    why = []
    if T != min(MAX_T, (ctx - 1) // 2):
        why.append(f"T={T}, the rule gives {min(MAX_T, (ctx - 1) // 2)}")
    if bos != want_bos:
        why.append(f"position 0 is {bos}, the model's BOS is {want_bos}")
    if len(ordinary) >= T:
        if len(set(r)) != T:
            why.append("the tokens are not distinct")
        if not set(r) <= ordinary:
            why.append(f"not ordinary tokens: {sorted(set(r) - ordinary)[:5]}")
    elif any(not 0 <= x < vocab or x == want_bos for x in r):
        why.append("a token outside the vocabulary or BOS")
    print(f"sequence: T={T} seed={seed} BOS {bos}, {len(set(r))} distinct tokens: "
          + ("ok" if not why else "WRONG: " + "; ".join(why)))
    bad += bool(why)
    if sorted(rows) != [(l, h) for l in range(L) for h in range(H)]:
        print(f"heads: WRONG: the rows are not every head of {L} layers x {H} heads")
        return 1

    # The scores, from the definition.
    attn, _ = model.forward([bos] + r + r)
    j = np.arange(T)
    ref = attn[:, :, 1 + T + j, 2 + j].mean(-1)
    diff = np.array([[abs(rows[l, h]["induct"] - ref[l, h]) for h in range(H)] for l in range(L)])
    worst = np.unravel_index(diff.argmax(), diff.shape)
    over = int((diff > a.tolerance).sum())
    print(f"induct: {L * H} heads compared: largest |difference| {diff.max():.2g} at head "
          f"{worst[0]}.{worst[1]}, reference scores {ref.min():.4f}..{ref.max():.4f} "
          f"(largest at head {np.unravel_index(ref.argmax(), ref.shape)[0]}."
          f"{np.unravel_index(ref.argmax(), ref.shape)[1]}): "
          + ("ok" if not over else f"WRONG: {over} over {a.tolerance:g}"))
    bad += bool(over)

    # The labels follow the rule.
    wrong, labelled = [], 0
    for (l, h), row in sorted(rows.items()):
        allowed = set()
        for pat, num in sentence_patterns(row):
            s = ref[l, h]
            if pat in ("previous-token", "self") or s < a.threshold - a.tolerance:
                allowed.add((pat, num))
            if pat not in ("previous-token", "self") and s >= a.threshold - a.tolerance:
                if s < a.threshold + a.tolerance:
                    allowed.add((pat, num))
                allowed.add(("induction", s))
        ok = any(row["pattern"] == p and abs(row["score"] - n) <= HALF + a.tolerance
                 for p, n in allowed)
        labelled += row["pattern"] == "induction"
        if not ok:
            wrong.append(f"{l}.{h} {row['pattern']} {row['score']:.3f} (want "
                         + " or ".join(sorted(f"{p} {n:.3f}" for p, n in allowed)) + ")")
    print(f"labels: {labelled} induction head{'s' if labelled != 1 else ''} at threshold "
          f"{a.threshold:g}: " + ("ok" if not wrong else "WRONG: " + "; ".join(wrong)))
    bad += bool(wrong)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
