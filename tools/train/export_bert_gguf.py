#!/usr/bin/env python3
"""Export a train_mlm.py checkpoint + the WordPiece vocabulary to GGUF v3,
architecture `bert`, with the key and tensor names llama.cpp's loader reads
(llm_arch "bert", LLM_KV_*, LLM_TENSOR_*), so llama.cpp opens it as an
embedding model and attnscope as a bidirectional encoder.

Tokenizer keys as llama.cpp's convert_hf_to_gguf.py writes a BERT vocabulary
(tools/vocab/make_vocab_gguf.py bert-vocab): a word-start piece gets a
leading U+2581 ("cat" -> "\u2581cat"), a continuation loses its "##"
("##ing" -> "ing"), the five specials stay and are CONTROL (3), the rest
NORMAL (1).

The masked-LM head is tied to token_embd with nothing else (logits =
h_final @ token_embd^T); the custom key attnscope.mlm_head =
"tied_embeddings" says so (llama.cpp ignores keys it does not know).
Tensor layout as export_gguf.py: an nn.Linear weight (out, in) is written
as-is, ne = [in, out]."""
import argparse, os, sys
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_io as G
import train_wordpiece as wp

HERE = os.path.dirname(os.path.abspath(__file__))
NORMAL, CONTROL = 1, 3

LICENSE = ("MIT (weights and code, attnscope). Training data: TinyStories "
           "(Eldan & Li 2023), CDLA-Sharing-1.0; its section 3.5 places no obligations "
           "on Results of Computational Use such as trained weights")


def token_table(pieces):
    toks, types = [], []
    for p in pieces:
        if p in wp.SPECIALS:
            toks.append(p); types.append(CONTROL)
        elif p.startswith("##"):
            toks.append(p[2:]); types.append(NORMAL)
        else:
            toks.append("\u2581" + p); types.append(NORMAL)
    assert len(set(toks)) == len(toks), "two pieces map to one GGUF token"
    return toks, types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out-enc", "ckpt.pt"))
    ap.add_argument("--vocab", default=os.path.join(HERE, "tinystories-enc-vocab.txt"))
    ap.add_argument("--name", default="tinystories-bert")
    ap.add_argument("--out", default=None, help="default: <repo>/data/<name>.gguf")
    ap.add_argument("--f16", action="store_true", help="store 2-D weights as F16")
    a = ap.parse_args()
    out = a.out or os.path.join(HERE, "..", "..", "data", a.name + ".gguf")

    ck = torch.load(a.ckpt, map_location="cpu")
    c = ck["config"]
    sd = {k: v.detach().to(torch.float32).numpy() for k, v in ck["model"].items()}
    pieces = [l.rstrip("\n") for l in open(a.vocab, encoding="utf-8")]
    assert len(pieces) == c["vocab_size"], "vocabulary and checkpoint differ in size"
    ids = {p: i for i, p in enumerate(pieces)}
    toks, types = token_table(pieces)

    desc = (f"BERT-style encoder (masked-LM, tied head) trained from scratch by attnscope's "
            f"tools/train on a 4.9 MB TinyStories subset (5907 stories) with its own "
            f"{c['vocab_size']}-piece WordPiece vocabulary: {ck['params']} parameters, "
            f"{c['n_layers']} layers, width {c['dim']}, {c['n_heads']} heads, ffn "
            f"{c['ffn_dim']}, context {c['max_seq_len']}; {ck['step']} AdamW steps, "
            f"{ck['tokens']} tokens seen, {ck['elapsed_s']/60:.0f} min on one CPU thread "
            f"(a shared 2-core machine); "
            f"masked-LM loss valid {ck['valid_loss']:.3f} nats, masked-token accuracy "
            f"{ck['valid_acc']:.3f}")

    w = G.Writer()
    S, U32, F32, B = G.T_STRING, G.T_UINT32, G.T_FLOAT32, G.T_BOOL
    w.add("general.architecture", S, "bert")
    w.add("general.name", S, a.name)
    w.add("general.license", S, LICENSE)
    w.add("general.description", S, desc)
    w.add("bert.context_length", U32, c["max_seq_len"])
    w.add("bert.embedding_length", U32, c["dim"])
    w.add("bert.feed_forward_length", U32, c["ffn_dim"])
    w.add("bert.block_count", U32, c["n_layers"])
    w.add("bert.attention.head_count", U32, c["n_heads"])
    w.add("bert.attention.layer_norm_epsilon", F32, float(c["norm_eps"]))
    w.add("bert.attention.causal", B, False)
    w.add("bert.pooling_type", U32, 0)        # none: no pooling was trained
    w.add("tokenizer.ggml.model", S, "bert")
    w.add("tokenizer.ggml.tokens", G.T_ARRAY, toks, S)
    w.add("tokenizer.ggml.token_type", G.T_ARRAY, types, G.T_INT32)
    w.add("tokenizer.ggml.token_type_count", U32, c["n_token_types"])
    w.add("tokenizer.ggml.bos_token_id", U32, ids["[CLS]"])
    w.add("tokenizer.ggml.eos_token_id", U32, ids["[SEP]"])
    w.add("tokenizer.ggml.unknown_token_id", U32, ids["[UNK]"])
    w.add("tokenizer.ggml.seperator_token_id", U32, ids["[SEP]"])  # llama.cpp's spelling
    w.add("tokenizer.ggml.padding_token_id", U32, ids["[PAD]"])
    w.add("tokenizer.ggml.mask_token_id", U32, ids["[MASK]"])
    w.add("tokenizer.ggml.add_bos_token", B, True)
    w.add("attnscope.mlm_head", S, "tied_embeddings")

    mat = G.GGML_F16 if a.f16 else G.GGML_F32
    w.add_tensor("token_embd.weight", sd["token_embd.weight"], mat)
    w.add_tensor("token_types.weight", sd["token_types.weight"], G.GGML_F32)
    w.add_tensor("position_embd.weight", sd["position_embd.weight"], mat)
    for s in ("weight", "bias"):
        w.add_tensor("token_embd_norm." + s, sd["token_embd_norm." + s], G.GGML_F32)
    names = {"attn.q": "attn_q", "attn.k": "attn_k", "attn.v": "attn_v",
             "attn.o": "attn_output", "attn_output_norm": "attn_output_norm",
             "ffn_up": "ffn_up", "ffn_down": "ffn_down",
             "layer_output_norm": "layer_output_norm"}
    for i in range(c["n_layers"]):
        for src, dst in names.items():
            for s in ("weight", "bias"):
                t = sd[f"layers.{i}.{src}.{s}"]
                w.add_tensor(f"blk.{i}.{dst}.{s}", t, mat if t.ndim == 2 else G.GGML_F32)
    left = set(sd) - {n for n in sd if n.startswith(("token_", "position_", "layers."))}
    assert not left, f"checkpoint tensors not exported: {sorted(left)}"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    w.write(out)
    print(f"wrote {os.path.abspath(out)}: {os.path.getsize(out)} bytes, "
          f"{len(w.tensors)} tensors\n{desc}")


if __name__ == "__main__":
    main()
