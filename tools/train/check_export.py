#!/usr/bin/env python3
"""Check an exported GGUF against the PyTorch checkpoint and attnscope's C code.

1. metadata and tensor shapes as the C loader expects them;
2. float64 numpy forward pass from the GGUF tensors vs the PyTorch model in
   float64: logits at every position (max abs diff must be < 1e-3);
3. attnscope --dump json: top-5 last-position logit ids equal numpy's, values
   and attention weights close;
4. tokenization: sentencepiece encode (BOS prepended) vs attnscope's "tokens"
   for corpus lines and odd strings.
Exit status 0 when every check passes."""
import argparse, json, os, random, subprocess, sys
import numpy as np
import torch
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gguf_io as G
from model import Config, Transformer
from train import CORPUS

ODD = ["", " ", "  leading spaces", "trailing spaces   ", "tab\there", "new\nline",
       "Numbers 12345 and 3.14!", "ALL CAPS SHOUTING", "naïve café – “quotes” €5",
       "日本語のテキスト", "emoji 🙂👍", "<s> and </s> and <unk>", "<0x41>", "a" * 30,
       "x\x01y", "Once upon a time,there was", "don't won't can't", "hello   world",
       "!!!???...", "▁already▁has▁markers"]


def numpy_forward(meta, t, ids):
    """float64 forward pass written from the GGUF tensors; returns (logits, attn)."""
    f = lambda n: t[n].astype(np.float64)
    L = meta["llama.block_count"]; D = meta["llama.embedding_length"]
    H = meta["llama.attention.head_count"]; KV = meta["llama.attention.head_count_kv"]
    hd = D // H; eps = meta["llama.attention.layer_norm_rms_epsilon"]
    base = meta["llama.rope.freq_base"]; rd = meta["llama.rope.dimension_count"]
    T = len(ids)
    rms = lambda x, w: x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w
    i = np.arange(rd // 2)
    ang = np.arange(T)[:, None] * base ** (-2.0 * i / rd)[None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(x):  # x: (T, n, hd); rotate adjacent pairs of the first rd dims
        x = x.copy()
        a, b = x[:, :, 0:rd:2].copy(), x[:, :, 1:rd:2].copy()
        c, s = cos[:, None, :], sin[:, None, :]
        x[:, :, 0:rd:2] = a * c - b * s
        x[:, :, 1:rd:2] = a * s + b * c
        return x

    x = f("token_embd.weight")[ids]
    attn = []
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(L):
        p = f"blk.{l}."
        h = rms(x, f(p + "attn_norm.weight"))
        q = (h @ f(p + "attn_q.weight").T).reshape(T, H, hd)
        k = (h @ f(p + "attn_k.weight").T).reshape(T, KV, hd)
        v = (h @ f(p + "attn_v.weight").T).reshape(T, KV, hd)
        q, k = rope(q), rope(k)
        out = np.zeros((T, H, hd))
        la = []
        for hh in range(H):
            kh = hh // (H // KV)
            s = q[:, hh] @ k[:, kh].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            la.append(s)
            out[:, hh] = s @ v[:, kh]
        attn.append(la)
        x = x + out.reshape(T, D) @ f(p + "attn_output.weight").T
        h = rms(x, f(p + "ffn_norm.weight"))
        g = h @ f(p + "ffn_gate.weight").T
        u = h @ f(p + "ffn_up.weight").T
        x = x + ((g / (1 + np.exp(-g))) * u) @ f(p + "ffn_down.weight").T
    x = rms(x, f("output_norm.weight"))
    wout = f("output.weight") if "output.weight" in t else f("token_embd.weight")
    return x @ wout.T, np.array(attn)


def run_c(exe, model, text, extra=()):
    r = subprocess.run([exe, "--model", model, "--text", text, "--dump", "json", *extra],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--tok", default=os.path.join(HERE, "out", "tok2048.model"))
    ap.add_argument("--exe", default=os.path.join(HERE, "..", "..", "build", "src", "attnscope"))
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--text", default="Once upon a time")
    a = ap.parse_args()
    ok = True
    report = {}

    meta, t = G.read(a.gguf)
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = Config(**ck["config"])
    sp = spm.SentencePieceProcessor(model_file=a.tok)

    # 1. metadata
    exp = {"general.architecture": "llama", "llama.block_count": cfg.n_layers,
           "llama.embedding_length": cfg.dim, "llama.feed_forward_length": cfg.ffn_dim,
           "llama.attention.head_count": cfg.n_heads, "llama.context_length": cfg.max_seq_len,
           "llama.attention.head_count_kv": cfg.n_kv_heads, "tokenizer.ggml.model": "llama",
           "llama.rope.dimension_count": cfg.dim // cfg.n_heads,
           "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2,
           "tokenizer.ggml.unknown_token_id": 0, "tokenizer.ggml.add_bos_token": True,
           "tokenizer.ggml.add_space_prefix": True}
    for k, v in exp.items():
        if meta.get(k) != v:
            print(f"FAIL metadata {k}: {meta.get(k)!r} != {v!r}"); ok = False
    if meta["tokenizer.ggml.tokens"] != [sp.id_to_piece(i) for i in range(sp.get_piece_size())]:
        print("FAIL token table"); ok = False
    assert t["token_embd.weight"].shape == (cfg.vocab_size, cfg.dim)
    print(f"metadata ok={ok}; {len(t)} tensors, "
          f"{sum(v.size for v in t.values())} parameters in file")

    # 2. numpy float64 vs torch float64
    model = Transformer(cfg)
    model.load_state_dict(ck["model"])
    model = model.double().eval()
    worst = 0.0
    for text in [a.text, "The cat sat on the mat because it was tired.",
                 "Lily and Ben went to the park. They saw a big dog."]:
        ids = [sp.bos_id()] + sp.encode(text)
        ln, _ = numpy_forward(meta, t, ids)
        with torch.no_grad():
            lt = model(torch.tensor([ids]))[0].numpy()
        d = float(np.abs(ln - lt).max())
        dl = float(np.abs(ln[-1] - lt[-1]).max())
        worst = max(worst, d)
        print(f"numpy vs torch (float64) {text!r}: max|dlogit| all positions {d:.2e}, last {dl:.2e}")
    report["numpy_vs_torch_max_abs"] = worst
    if not worst < 1e-3:
        print("FAIL numpy vs torch"); ok = False

    # 3. C tool vs numpy
    ids = [sp.bos_id()] + sp.encode(a.text)
    ln, an = numpy_forward(meta, t, ids)
    d, err = run_c(a.exe, a.gguf, a.text)
    if d is None:
        print("FAIL attnscope:", err); ok = False
    else:
        top_np = [int(i) for i in np.argsort(-ln[-1], kind="stable")[:len(d["logits_last"]["top_ids"])]]
        top_c = d["logits_last"]["top_ids"]
        vdiff = float(np.abs(np.array(d["logits_last"]["top_values"]) - ln[-1][top_c]).max())
        adiff = float(np.abs(np.array(d["attention"]) - an).max())
        print(f"attnscope {a.text!r}: tokens {d['tokens']} (sentencepiece {ids})")
        print(f"  top ids C {top_c} numpy {top_np}; max|dvalue| {vdiff:.2e}; "
              f"attention max|d| over {an.size} weights {adiff:.2e}")
        print(f"  top pieces: {[sp.id_to_piece(i) for i in top_c]}")
        report.update(top_ids_c=top_c, top_ids_numpy=top_np, top_value_diff=vdiff,
                      attention_max_abs=adiff)
        if top_c != top_np or d["tokens"] != ids or vdiff > 1e-2 or adiff > 1e-3:
            print("FAIL C vs numpy"); ok = False

    # 4. tokenization agreement
    lines = [l for l in open(os.path.join(CORPUS, "tinystories-valid.txt"), encoding="utf-8")
             .read().split("\n") if l and l != "<|endoftext|>"]
    random.Random(0).shuffle(lines)
    # lines must fit the context (BOS + tokens <= ctx)
    lines = [l for l in lines if len(sp.encode(l)) + 1 <= cfg.max_seq_len][:a.lines]
    agree = 0; bad = []
    for s in lines + ODD:
        exp_ids = [sp.bos_id()] + sp.encode(s)
        d, err = run_c(a.exe, a.gguf, s, ("--layer", "0", "--head", "0"))
        got = d["tokens"] if d else f"error: {err}"
        if got == exp_ids:
            agree += 1
        else:
            bad.append((s, exp_ids, got))
    n = len(lines) + len(ODD)
    print(f"tokenization: {agree}/{n} agree ({len(lines)} validation-corpus lines + {len(ODD)} odd strings)")
    for s, e, g in bad[:10]:
        print(f"  DIFF {s[:60]!r}: sentencepiece {e[:20]} attnscope {str(g)[:120]}")
    report.update(tokenization_agree=agree, tokenization_total=n,
                  tokenization_mismatches=[s for s, _, _ in bad])
    if bad:
        ok = False
    print(json.dumps({k: v for k, v in report.items()}, ensure_ascii=False))
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
