#!/usr/bin/python3
"""check_random.py - compare attnscope's attention with reference.py's
float64 forward pass, for any GGUF `llama` model (the random-weight models
of tests/bench/mkmodel.c among them, in F32, F16 or Q8_0: reference.py
dequantizes each tensor on its own).

usage: check_random.py [--threshold T] MODEL.gguf [DUMP.json | -]

DUMP is the output of `attnscope --model MODEL.gguf --text ... --dump json`
without --layer/--head (every layer and head), from a file or, when absent
or "-", standard input.  Only the dump's token ids are taken as input: the
reference recomputes every layer/head attention matrix from the model file
and each is compared with the dump's, entry by entry.

Prints the token count, the number of heads compared and the worst absolute
difference (with where it is).  Exits 0 when no difference exceeds T
(default 1e-4), 1 when one does, 2 when the dump or the model cannot be
used.
"""
import argparse
import json
import sys

import numpy as np

from reference import Model


def fail(msg):
    print(f"check_random.py: {msg}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description="compare attnscope's --dump json "
                                 "attention with the float64 reference")
    ap.add_argument("model", help="the GGUF model the dump was made from")
    ap.add_argument("dump", nargs="?", default="-",
                    help="attnscope --dump json output (default: standard input)")
    ap.add_argument("--threshold", type=float, default=1e-4,
                    help="largest absolute difference allowed (default 1e-4)")
    args = ap.parse_args()

    try:
        if args.dump == "-":
            doc = json.load(sys.stdin)
        else:
            with open(args.dump, encoding="utf-8") as f:
                doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{args.dump}: {e}")
    if not isinstance(doc, dict) or "tokens" not in doc or "attention" not in doc:
        fail(f"{args.dump}: not an attnscope --dump json document")
    if "layer" in doc:
        fail(f"{args.dump}: holds one head only (dumped with --layer/--head); "
             "dump without them to compare every head")
    ids = doc["tokens"]
    if not ids or not all(isinstance(i, int) for i in ids):
        fail(f"{args.dump}: no token ids")

    try:
        m = Model(args.model)
    except (OSError, ValueError, KeyError) as e:
        fail(f"{args.model}: {e}")
    if max(ids) >= m.t["token_embd.weight"].shape[0] or min(ids) < 0:
        fail(f"{args.dump}: a token id is outside the model's vocabulary")
    if (doc.get("n_layers"), doc.get("n_heads")) != (m.n_layers, m.n_heads):
        fail(f"{args.dump}: {doc.get('n_layers')} layers x {doc.get('n_heads')} heads, "
             f"but {args.model} has {m.n_layers} x {m.n_heads}")

    n = len(ids)
    try:
        got = np.array(doc["attention"], dtype=np.float64)
    except (TypeError, ValueError) as e:
        fail(f"{args.dump}: attention is not a numeric array: {e}")
    want_shape = (m.n_layers, m.n_heads, n, n)
    if got.shape != want_shape:
        fail(f"{args.dump}: attention has shape {got.shape}, expected {want_shape}")

    ref, _ = m.forward(ids)
    diff = np.abs(got - ref)
    diff[np.isnan(diff)] = np.inf  # a NaN in the dump is never within tolerance
    worst = float(diff.max())
    l, h, i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
    over = int((diff > args.threshold).sum())
    heads = m.n_layers * m.n_heads
    print(f"{n} tokens, {heads} heads ({m.n_layers} layers x {m.n_heads}) compared: "
          f"worst |difference| {worst:.3g} at layer {l} head {h} query {i} key {j} "
          f"(attnscope {got[l, h, i, j]:.7g}, reference {ref[l, h, i, j]:.7g}); "
          f"{over} entries over {args.threshold:g}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
