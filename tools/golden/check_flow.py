#!/usr/bin/python3
"""check_flow.py - compare attnscope's `--dump json --view rollout|values`
with the same views computed in float64 from reference.py's forward pass.

usage: check_flow.py --view VIEW [--threshold T] [--ablate L.H[,L.H...]]
                     MODEL.gguf [DUMP.json | -]

Only the dump's token ids are taken as input; the reference recomputes every
head's attention A (layers, heads, n, n) and each layer's value vectors V
from the model file, then, from the definitions alone:

  rollout (Abnar & Zuidema 2020)
      Â_l = rownorm(0.5 * mean over the heads not knocked out of A_l,h
                    + 0.5 * I), or I when every head of layer l is knocked
      out; R_0 = Â_0, R_l = Â_l @ R_{l-1}.  Every head of layer l shows R_l.
  values (value-weighted attention, Kobayashi et al. 2020)
      norm_h,j = || W_O[:, h*hd:(h+1)*hd] @ V_l[j, kv(h)] ||, kv(h) = h //
      (heads / kv heads); M_ij = A_l,h[i, j] * norm_h,j, each row divided
      by its sum (rows summing to 0 stay 0); a knocked-out head's rows are
      all 0 (its output never reaches the residual stream).
  attention
      A itself.

--ablate knocks those heads out in the reference (their outputs zeroed
before the output projection, as `attnscope --ablate`); the dump's
"ablated" must list exactly them, and its "view" must be VIEW.  A dump of
every head, or of one (--layer/--head: its "layer" and "head"), is compared
entry by entry.  Prints the worst absolute difference and where; exits 0
when none exceeds T (default 1e-4) and the fields agree, 1 otherwise, 2
when the dump, the model or an option cannot be used.
"""
import argparse
import json
import sys

import numpy as np

from reference import Model


def fail(msg):
    print(f"check_flow.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_ablate(text, n_layers, n_heads):
    """"L.H,L.H..." -> sorted list of (L, H); "" -> []."""
    heads = []
    for item in text.split(",") if text else []:
        parts = item.split(".")
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
            fail(f"--ablate: \"{item}\" is not LAYER.HEAD (e.g. 0.2)")
        l, h = int(parts[0]), int(parts[1])
        if l >= n_layers or h >= n_heads or (l, h) in heads:
            fail(f"--ablate: head {l}.{h} is not in the model or listed twice")
        heads.append((l, h))
    return sorted(heads)


def rollout(attn, off):
    """(layers, n, n): R_l for every layer."""
    n_layers, n_heads, n, _ = attn.shape
    eye = np.eye(n)
    r = eye
    out = []
    for l in range(n_layers):
        live = [h for h in range(n_heads) if (l, h) not in off]
        a = 0.5 * attn[l, live].mean(0) + 0.5 * eye if live else eye
        a = a / a.sum(-1, keepdims=True)
        r = a @ r
        out.append(r)
    return np.array(out)


def value_weighted(m, attn, vs, off):
    """(layers, heads, n, n)."""
    n_layers, n_heads, n, _ = attn.shape
    hd, group = m.head_dim, m.n_heads // m.n_kv
    out = np.zeros_like(attn)
    for l in range(n_layers):
        wo = m.t[f"blk.{l}.attn_output.weight"]  # (dim, heads*hd)
        for h in range(n_heads):
            if (l, h) in off:
                continue
            w = wo[:, h * hd:(h + 1) * hd]
            norms = np.linalg.norm(vs[l][:, h // group] @ w.T, axis=-1)  # (n)
            mv = attn[l, h] * norms[None, :]
            s = mv.sum(-1, keepdims=True)
            out[l, h] = np.divide(mv, s, out=np.zeros_like(mv), where=s > 0)
    return out


def main():
    ap = argparse.ArgumentParser(description="compare attnscope's --dump json --view "
                                 "with float64 rollout / value-weighted attention")
    ap.add_argument("model")
    ap.add_argument("dump", nargs="?", default="-")
    ap.add_argument("--view", required=True, choices=("attention", "rollout", "values"))
    ap.add_argument("--threshold", type=float, default=1e-4)
    ap.add_argument("--ablate", default="", metavar="L.H[,L.H...]")
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
    ids = doc["tokens"]
    if not ids or not all(type(i) is int for i in ids):
        fail(f"{args.dump}: no token ids")
    try:
        m = Model(args.model)
    except (OSError, ValueError, KeyError) as e:
        fail(f"{args.model}: {e}")
    if max(ids) >= m.t["token_embd.weight"].shape[0] or min(ids) < 0:
        fail(f"{args.dump}: a token id is outside the model's vocabulary")
    if (doc.get("n_layers"), doc.get("n_heads")) != (m.n_layers, m.n_heads):
        fail(f"{args.dump}: not a dump of {args.model}'s shape")
    ablate = parse_ablate(args.ablate, m.n_layers, m.n_heads)
    off = set(ablate)

    vs = []
    attn, _ = m.residual(ids, ablate, values=vs)
    if args.view == "rollout":
        r = rollout(attn, off)
        ref = np.repeat(r[:, None], m.n_heads, axis=1)
    elif args.view == "values":
        ref = value_weighted(m, attn, vs, off)
    else:
        ref = attn

    n = len(ids)
    try:
        got = np.array(doc["attention"], dtype=np.float64)
    except (TypeError, ValueError) as e:
        fail(f"{args.dump}: attention is not a numeric array: {e}")
    if "layer" in doc:
        l, h = doc["layer"], doc["head"]
        if not (type(l) is int and type(h) is int and 0 <= l < m.n_layers and 0 <= h < m.n_heads):
            fail(f"{args.dump}: no such layer/head {l}/{h}")
        ref = ref[l, h][None, None]
        got = got[None, None] if got.ndim == 2 else got
        where = lambda a, b: (l, h)  # noqa: E731
    else:
        where = lambda a, b: (a, b)  # noqa: E731
    if got.shape != ref.shape:
        fail(f"{args.dump}: attention has shape {got.shape}, expected {ref.shape}")

    diff = np.abs(got - ref)
    diff[np.isnan(diff)] = np.inf  # a NaN in the dump is never within tolerance
    worst = float(diff.max())
    a, b, i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
    over = int((diff > args.threshold).sum())
    la, hb = where(a, b)
    print(f"{args.view}: {n} tokens, {got.shape[0] * got.shape[1]} matrices compared: "
          f"worst |difference| {worst:.3g} at layer {la} head {hb} query {i} key {j} "
          f"(attnscope {got[a, b, i, j]:.7g}, reference {ref[a, b, i, j]:.7g}); "
          f"{over} entries over {args.threshold:g}")

    view = doc.get("view", "attention")
    got_abl = doc.get("ablated", [])
    if not isinstance(got_abl, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(type(x) is int for x in p)
            for p in got_abl):
        fail(f"{args.dump}: \"ablated\" is not a list of [layer, head] pairs")
    got_abl = sorted((p[0], p[1]) for p in got_abl)

    def names(hs):
        return ",".join(f"{x}.{y}" for x, y in hs) or "none"
    print(f"view: asked {args.view}, dump {view}: {'the same' if view == args.view else 'DIFFERENT'}; "
          f"ablated: reference {names(ablate)}, dump {names(got_abl)}: "
          f"{'the same' if got_abl == ablate else 'DIFFERENT'}")
    return 1 if over or view != args.view or got_abl != ablate else 0


if __name__ == "__main__":
    sys.exit(main())
