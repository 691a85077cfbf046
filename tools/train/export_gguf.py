#!/usr/bin/env python3
"""Export a train.py checkpoint + SentencePiece model to GGUF v3 (architecture
`llama`, tokenizer `llama`), the layout attnscope's C loader reads.

Tensor layout: GGUF lists dimensions fastest-first (ne[0] = row length), so a
PyTorch nn.Linear weight of shape (out, in), written row-major as-is, has
ne = [in, out]; token_embd (vocab, dim) has ne = [dim, vocab].
RoPE: the model was trained rotating adjacent pairs (x[2i], x[2i+1]) -- the
layout llama.cpp applies to `llama` -- so Q and K are written unpermuted."""
import argparse, os, sys
import numpy as np
import torch
import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_io as G

HERE = os.path.dirname(os.path.abspath(__file__))

LICENSE = ("MIT (weights and code, attnscope). Training data: TinyStories "
           "(Eldan & Li 2023), CDLA-Sharing-1.0; its section 3.5 places no obligations "
           "on Results of Computational Use such as trained weights")


def token_table(sp):
    toks, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        toks.append(sp.id_to_piece(i))
        scores.append(float(sp.get_score(i)))
        if sp.is_unknown(i):
            t = 2
        elif sp.is_control(i):
            t = 3
        elif sp.is_byte(i):
            t = 6
        elif sp.is_unused(i):
            t = 5
        else:
            t = 1   # normal (user_defined=4 not used by our tokenizer)
        types.append(t)
    return toks, scores, types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--tok", default=os.path.join(HERE, "out", "tok2048.model"))
    ap.add_argument("--name", default="tinystories-2m")
    ap.add_argument("--out", default=None, help="default: <repo>/data/<name>.gguf")
    ap.add_argument("--f16", action="store_true", help="store 2-D weights as F16")
    a = ap.parse_args()
    out = a.out or os.path.join(HERE, "..", "..", "data", a.name + ".gguf")

    ck = torch.load(a.ckpt, map_location="cpu")
    c = ck["config"]
    sd = {k: v.detach().to(torch.float32).numpy() for k, v in ck["model"].items()}
    sp = spm.SentencePieceProcessor(model_file=a.tok)
    assert sp.get_piece_size() == c["vocab_size"]
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id()) == (0, 1, 2)
    hd = c["dim"] // c["n_heads"]

    desc = (f"llama-architecture LM trained from scratch by attnscope's tools/train on "
            f"a 4.9 MB TinyStories subset (5907 stories, about 1.35M training tokens "
            f"with its own {c['vocab_size']}-piece SentencePiece BPE tokenizer): "
            f"{ck['params']} parameters, {c['n_layers']} layers, width {c['dim']}, "
            f"{c['n_heads']} heads, ffn {c['ffn_dim']}, context {c['max_seq_len']}; "
            f"{ck['step']} AdamW steps, {ck['tokens']} tokens seen, "
            f"{ck['elapsed_s']/60:.0f} min on 2 CPU cores; "
            f"loss train {ck['train_loss']:.3f} / valid {ck['valid_loss']:.3f} nats/token")

    w = G.Writer()
    S, U32, F32, B = G.T_STRING, G.T_UINT32, G.T_FLOAT32, G.T_BOOL
    w.add("general.architecture", S, "llama")
    w.add("general.name", S, a.name)
    w.add("general.license", S, LICENSE)
    w.add("general.description", S, desc)
    w.add("llama.context_length", U32, c["max_seq_len"])
    w.add("llama.embedding_length", U32, c["dim"])
    w.add("llama.block_count", U32, c["n_layers"])
    w.add("llama.feed_forward_length", U32, c["ffn_dim"])
    w.add("llama.attention.head_count", U32, c["n_heads"])
    w.add("llama.attention.head_count_kv", U32, c["n_kv_heads"])
    w.add("llama.rope.dimension_count", U32, hd)
    w.add("llama.rope.freq_base", F32, float(c["rope_theta"]))
    w.add("llama.attention.layer_norm_rms_epsilon", F32, float(c["norm_eps"]))
    toks, scores, types = token_table(sp)
    w.add("tokenizer.ggml.model", S, "llama")
    w.add("tokenizer.ggml.tokens", G.T_ARRAY, toks, S)
    w.add("tokenizer.ggml.scores", G.T_ARRAY, scores, F32)
    w.add("tokenizer.ggml.token_type", G.T_ARRAY, types, G.T_INT32)
    w.add("tokenizer.ggml.bos_token_id", U32, sp.bos_id())
    w.add("tokenizer.ggml.eos_token_id", U32, sp.eos_id())
    w.add("tokenizer.ggml.unknown_token_id", U32, sp.unk_id())
    w.add("tokenizer.ggml.add_bos_token", B, True)
    w.add("tokenizer.ggml.add_space_prefix", B, True)

    mat = G.GGML_F16 if a.f16 else G.GGML_F32
    w.add_tensor("token_embd.weight", sd["tok_embeddings.weight"], mat)
    names = {"attention_norm": "attn_norm", "attention.wq": "attn_q", "attention.wk": "attn_k",
             "attention.wv": "attn_v", "attention.wo": "attn_output", "ffn_norm": "ffn_norm",
             "feed_forward.w1": "ffn_gate", "feed_forward.w3": "ffn_up",
             "feed_forward.w2": "ffn_down"}
    for i in range(c["n_layers"]):
        for src, dst in names.items():
            t = sd[f"layers.{i}.{src}.weight"]
            w.add_tensor(f"blk.{i}.{dst}.weight", t, mat if t.ndim == 2 else G.GGML_F32)
    w.add_tensor("output_norm.weight", sd["norm.weight"], G.GGML_F32)
    if not c["tied"]:
        w.add_tensor("output.weight", sd["output.weight"], mat)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    w.write(out)
    print(f"wrote {os.path.abspath(out)}: {os.path.getsize(out)} bytes, "
          f"{len(w.tensors)} tensors\n{desc}")


if __name__ == "__main__":
    main()
