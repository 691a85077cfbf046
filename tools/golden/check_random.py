#!/usr/bin/python3
"""check_random.py - compare attnscope's attention with reference.py's
float64 forward pass, for any GGUF `llama` model (the random-weight models
of tests/bench/mkmodel.c among them, in F32, F16 or Q8_0: reference.py
dequantizes each tensor on its own).

usage: check_random.py [--threshold T] [--ablate L.H[,L.H...]] MODEL.gguf [DUMP.json | -]

DUMP is the output of `attnscope --model MODEL.gguf --text ... --dump json`
without --layer/--head (every layer and head), from a file or, when absent
or "-", standard input.  Only the dump's token ids are taken as input: the
reference recomputes every layer/head attention matrix from the model file
and each is compared with the dump's, entry by entry.

The dump's last-position logits ("logits_last": the top_ids and their
top_values) are compared too: each value with the reference's logit of that
id, within T relative to the reference's value where its magnitude is over 1
and absolute otherwise (|difference| <= T * max(1, |reference|)); and the
ids must be the reference's top ones: no other id's reference logit may
exceed the smallest dumped value by more than that tolerance.

--ablate L.H[,L.H...] knocks those heads out in the reference (layer L, head
H, from 0): each one's output is zeroed before its layer's output
projection, as `attnscope --ablate` does.  The dump's "ablated" field must
then list exactly those heads (in any order); without --ablate (or with an
empty list) it must be empty or absent.

Prints the token count, the number of heads compared and the worst absolute
difference (with where it is), then a line for the logits and one for the
ablated heads.  Exits 0 when no difference exceeds T (default 1e-4) and the
ablated heads agree, 1 otherwise, 2 when the dump, the model or --ablate
cannot be used.
"""
import argparse
import json
import sys

import numpy as np

from reference import Model


def fail(msg):
    print(f"check_random.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_ablate(text, n_layers, n_heads):
    """"L.H,L.H..." -> sorted list of (L, H); "" -> []."""
    heads = []
    for item in text.split(",") if text else []:
        parts = item.split(".")
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
            fail(f"--ablate: \"{item}\" is not LAYER.HEAD (e.g. 0.2)")
        l, h = int(parts[0]), int(parts[1])
        if l >= n_layers or h >= n_heads:
            fail(f"--ablate: no head {l}.{h}: the model has {n_layers} layers x {n_heads} heads")
        if (l, h) in heads:
            fail(f"--ablate: head {l}.{h} is listed twice")
        heads.append((l, h))
    return sorted(heads)


def main():
    ap = argparse.ArgumentParser(description="compare attnscope's --dump json "
                                 "attention with the float64 reference")
    ap.add_argument("model", help="the GGUF model the dump was made from")
    ap.add_argument("dump", nargs="?", default="-",
                    help="attnscope --dump json output (default: standard input)")
    ap.add_argument("--threshold", type=float, default=1e-4,
                    help="largest absolute difference allowed (default 1e-4)")
    ap.add_argument("--ablate", default="", metavar="L.H[,L.H...]",
                    help="heads knocked out in the reference, as attnscope --ablate")
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

    ablate = parse_ablate(args.ablate, m.n_layers, m.n_heads)

    n = len(ids)
    try:
        got = np.array(doc["attention"], dtype=np.float64)
    except (TypeError, ValueError) as e:
        fail(f"{args.dump}: attention is not a numeric array: {e}")
    want_shape = (m.n_layers, m.n_heads, n, n)
    if got.shape != want_shape:
        fail(f"{args.dump}: attention has shape {got.shape}, expected {want_shape}")

    ref, logits = m.forward(ids, ablate)
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

    # The last position's logits: the dump keeps the top few (ids, values).
    top = doc.get("logits_last")
    try:
        top_ids = [int(i) for i in top["top_ids"]]
        top_vals = np.array(top["top_values"], dtype=np.float64)
        if top_vals.shape != (len(top_ids),) or not top_ids:
            raise ValueError("top_ids and top_values differ in length")
        if min(top_ids) < 0 or max(top_ids) >= len(logits) or len(set(top_ids)) != len(top_ids):
            raise ValueError("an id is outside the vocabulary or repeated")
    except (TypeError, KeyError, ValueError) as e:
        fail(f"{args.dump}: no usable logits_last: {e}")
    want = logits[top_ids]
    tol = args.threshold * np.maximum(1.0, np.abs(want))
    ldiff = np.abs(top_vals - want)
    ldiff[np.isnan(ldiff)] = np.inf
    k = int(np.argmax(ldiff / tol))
    lover = int((ldiff > tol).sum())
    # No id left out of the dump's top may beat its smallest value (beyond the tolerance).
    rest = np.delete(logits, top_ids)
    floor = float(top_vals.min())
    beaten = int((rest > floor + args.threshold * max(1.0, abs(floor))).sum())
    # (Not "worst |difference|": test_random_reference.sh reads that from the first line.)
    print(f"logits_last: {len(top_ids)} top logits compared: largest |difference| "
          f"{float(ldiff[k]):.3g} at id {top_ids[k]} (attnscope {top_vals[k]:.7g}, "
          f"reference {want[k]:.7g}); {lover} over {args.threshold:g} x max(1, |reference|); "
          f"{beaten} other ids above the dumped top")

    # The heads the dump says were knocked out.
    got_abl = doc.get("ablated", [])
    if not isinstance(got_abl, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(type(x) is int for x in p)
            for p in got_abl):
        fail(f"{args.dump}: \"ablated\" is not a list of [layer, head] pairs")
    got_abl = sorted((p[0], p[1]) for p in got_abl)
    same = got_abl == ablate

    def names(hs):
        return ",".join(f"{a}.{b}" for a, b in hs) or "none"
    print(f"ablated: reference {names(ablate)}, dump {names(got_abl)}: "
          f"{'the same' if same else 'DIFFERENT'}")
    return 1 if over or lover or beaten or not same else 0


if __name__ == "__main__":
    sys.exit(main())
