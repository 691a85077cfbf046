"""reference.py - an independent float64 implementation of GGUF models of
the architectures llama, qwen2, qwen3, gpt2, bert, phi3 and gemma, for golden
files, head statistics and the architecture checks.

It shares no code with attnscope's C core: its own GGUF reader (numpy over
the file's bytes), its own forward pass in float64, and tokenization by
SentencePiece itself (python3-sentencepiece) from the tokenizer's .model file.
Each architecture's steps are written from llama.cpp's graph for it
(src/models/<arch>.cpp, build_norm/build_ffn in src/llama-graph.cpp); which
optional weights (biases, a fused QKV matrix, an untied output) a model has
is read from its file, as llama.cpp's loader does.
"""
import struct

import numpy as np

GGUF_TYPES = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?",
              10: "Q", 11: "q", 12: "d"}


def read_gguf(path):
    """Return (metadata dict, {tensor name: float64 array in (out, in) layout})."""
    data = open(path, "rb").read()
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", data, 0)
    if magic != b"GGUF" or version not in (2, 3):
        raise ValueError(f"{path}: not a GGUF v2/v3 file")
    off = 24

    def string(o):
        (n,) = struct.unpack_from("<Q", data, o)
        return data[o + 8:o + 8 + n].decode("utf-8", "surrogateescape"), o + 8 + n

    def value(t, o):
        if t == 8:
            return string(o)
        if t == 9:
            et, n = struct.unpack_from("<IQ", data, o)
            o += 12
            if et == 8:
                out = []
                for _ in range(n):
                    s, o = string(o)
                    out.append(s)
                return out, o
            size = struct.calcsize("<" + GGUF_TYPES[et])
            return list(struct.unpack_from(f"<{n}{GGUF_TYPES[et]}", data, o)), o + n * size
        (v,) = struct.unpack_from("<" + GGUF_TYPES[t], data, o)
        return v, o + struct.calcsize("<" + GGUF_TYPES[t])

    meta = {}
    for _ in range(n_kv):
        key, off = string(off)
        (t,) = struct.unpack_from("<I", data, off)
        meta[key], off = value(t, off + 4)
    infos = []
    for _ in range(n_tensors):
        name, off = string(off)
        (nd,) = struct.unpack_from("<I", data, off)
        dims = struct.unpack_from(f"<{nd}Q", data, off + 4)
        t, o = struct.unpack_from("<IQ", data, off + 4 + 8 * nd)
        off += 4 + 8 * nd + 12
        infos.append((name, dims, t, o))
    align = meta.get("general.alignment", 32)
    base = (off + align - 1) // align * align
    tensors = {}
    for name, dims, t, o in infos:
        count = int(np.prod(dims))
        start = base + o
        if t == 0:
            a = np.frombuffer(data, "<f4", count, start).astype(np.float64)
        elif t == 1:
            a = np.frombuffer(data, "<f2", count, start).astype(np.float64)
        elif t == 30:
            raw = np.frombuffer(data, "<u2", count, start).astype(np.uint32) << 16
            a = raw.view(np.float32).astype(np.float64)
        elif t == 8:
            blocks = count // 32
            raw = np.frombuffer(data, np.uint8, blocks * 34, start).reshape(blocks, 34)
            d = raw[:, :2].copy().view("<f2").astype(np.float64)
            q = raw[:, 2:].copy().view(np.int8).astype(np.float64)
            a = (d * q).reshape(-1)
        else:
            raise ValueError(f"{name}: tensor type {t} not supported here")
        tensors[name] = a.reshape(tuple(reversed(dims)))  # ne[0] is the fastest
    return meta, tensors


# Per architecture, what llama.cpp's graph does (src/models/<arch>.cpp):
#   norm  "rms" (LLM_NORM_RMS) or "layer" (LLM_NORM, with bias)
#   pos   "rope" (LLAMA_ROPE_TYPE_NORM: adjacent pairs), "neox" (halves),
#         "learned" (position_embd added to the input)
#   ffn   "swiglu" (silu(gate) * up, LLM_FFN_SILU + LLM_FFN_PAR), "swiglu_fused"
#         (phi3: LLM_FFN_SWIGLU over ffn_up = gate | up), "gelu" (gpt2, bert:
#         LLM_FFN_GELU + LLM_FFN_SEQ), "geglu" (gemma: LLM_FFN_GELU + PAR)
#   causal  the default of <arch>.attention.causal (bert: false)
#   qk_norm  qwen3's RMSNorm of each head's q and k before RoPE
#   post_norm  bert: LayerNorm after each residual add (attn_output_norm,
#              layer_output_norm), token_types row 0 and token_embd_norm on the
#              input, no output norm and no logits (final embeddings)
#   embd_scale  gemma: embeddings times sqrt(dim)
ARCHS = {
    "llama": dict(norm="rms", pos="rope", ffn="swiglu"),
    "qwen2": dict(norm="rms", pos="neox", ffn="swiglu"),
    "qwen3": dict(norm="rms", pos="neox", ffn="swiglu", qk_norm=True),
    "gpt2": dict(norm="layer", pos="learned", ffn="gelu"),
    "bert": dict(norm="layer", pos="learned", ffn="gelu", causal=False, post_norm=True),
    "phi3": dict(norm="rms", pos="neox", ffn="swiglu_fused"),
    "gemma": dict(norm="rms", pos="neox", ffn="geglu", embd_scale=True),
}


def gelu(x):
    """GELU, tanh approximation (ggml_gelu's formula, GPT-2's gelu_new)."""
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * x * (1.0 + 0.044715 * x * x)))


def gelu_ggml_cpu(x):
    """What ggml's CPU backend computes for GELU on F32 (GGML_GELU_FP16 in
    ggml-cpu/vec.h): x rounded to F16, looked up in a table of F16 results
    of the F32 formula; x <= -10 gives 0 and x >= 10 gives x.  Only for
    showing that this rounding is what separates llama.cpp from gelu()."""
    x16 = np.asarray(x, np.float64).astype(np.float16).astype(np.float32)
    k = np.float32(0.79788456080286535587989211986876)
    y = np.float32(0.5) * x16 * (np.float32(1) + np.tanh(k * x16 * (np.float32(1) + np.float32(0.044715) * x16 * x16)))
    y = y.astype(np.float16).astype(np.float64)
    return np.where(x <= -10.0, 0.0, np.where(x >= 10.0, x, y))


class Model:
    def __init__(self, path, gelu_fn=gelu):
        self.meta, self.t = read_gguf(path)
        m = self.meta
        self.arch = m["general.architecture"]
        if self.arch not in ARCHS:
            raise ValueError(f"{path}: architecture {self.arch!r} not in reference.py")
        a = self.a = {"causal": True, "qk_norm": False, "post_norm": False,
                      "embd_scale": False, **ARCHS[self.arch]}
        p = self.arch + "."
        self.gelu = gelu_fn
        self.n_layers = m[p + "block_count"]
        self.n_heads = m[p + "attention.head_count"]
        self.n_kv = m.get(p + "attention.head_count_kv", self.n_heads)
        self.dim = m[p + "embedding_length"]
        self.head_dim = m.get(p + "attention.key_length", self.dim // self.n_heads)
        self.rope_dim = m.get(p + "rope.dimension_count", self.head_dim)
        self.base = m.get(p + "rope.freq_base", 10000.0)
        self.eps = m.get(p + ("attention.layer_norm_rms_epsilon" if a["norm"] == "rms"
                              else "attention.layer_norm_epsilon"), 1e-5)
        self.causal = m.get(p + "attention.causal", a["causal"])
        self.has_lm_head = not a["post_norm"]
        self.out = self.t.get("output.weight", self.t["token_embd.weight"])

    def rmsnorm(self, x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * w

    def norm(self, x, name):
        """The architecture's norm with tensor NAME's weight (and bias)."""
        w, b = self.t[name + ".weight"], self.t.get(name + ".bias")
        if self.a["norm"] == "rms":
            return self.rmsnorm(x, w)
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        y = (x - mu) / np.sqrt(var + self.eps) * w
        return y + b if b is not None else y

    def rope(self, x):
        """x: (n, heads, head_dim); rotate pairs of the first rope_dim: adjacent
        ones (2i, 2i+1) for llama, (i, i + rope_dim/2) for NeoX's layout."""
        n = x.shape[0]
        r = self.rope_dim
        i = np.arange(r // 2)
        ang = np.arange(n)[:, None] * self.base ** (-2.0 * i / r)
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        if self.a["pos"] == "neox":
            i0, i1 = np.arange(r // 2), np.arange(r // 2) + r // 2
        else:
            i0, i1 = np.arange(0, r, 2), np.arange(1, r, 2)
        a, b = x[..., i0].copy(), x[..., i1].copy()
        y = x.copy()
        y[..., i0] = a * c - b * s
        y[..., i1] = a * s + b * c
        return y

    def linear(self, x, name):
        """x @ W^T (+ bias when the file has one)."""
        y = x @ self.t[name + ".weight"].T
        b = self.t.get(name + ".bias")
        return y + b if b is not None else y

    def embed(self, ids):
        """The first layer's input (llama.cpp's build_inp_embd and what each
        architecture adds to it)."""
        t, n = self.t, len(ids)
        x = t["token_embd.weight"][ids]
        if self.a["embd_scale"]:
            x = x * np.sqrt(self.dim)
        if "token_types.weight" in t:
            x = x + t["token_types.weight"][0]  # every token is of type 0
        if self.a["pos"] == "learned":
            x = x + t["position_embd.weight"][np.arange(n)]
        if "token_embd_norm.weight" in t:
            x = self.norm(x, "token_embd_norm")
        return x

    def ffn(self, h, p):
        kind = self.a["ffn"]
        if kind == "gelu":
            return self.linear(self.gelu(self.linear(h, p + "ffn_up")), p + "ffn_down")
        if kind == "swiglu_fused":
            gu = self.linear(h, p + "ffn_up")
            f = gu.shape[-1] // 2
            g, u = gu[:, :f], gu[:, f:]
        else:
            g, u = self.linear(h, p + "ffn_gate"), self.linear(h, p + "ffn_up")
        act = self.gelu(g) if kind == "geglu" else g / (1 + np.exp(-g))
        return self.linear(act * u, p + "ffn_down")

    def outputs(self, ids):
        """Return (attention (layers, heads, n, n), the last position's logits)
        for a model with a language-model head, or (attention, final
        embeddings (n, dim)) for one without (bert, pooling none)."""
        if self.has_lm_head:
            return self.forward(ids)
        return self.residual(ids)

    def forward(self, ids, ablate=()):
        """Return (attention (layers, heads, n, n), last-position logits).

        ABLATE: (layer, head) pairs, both from 0, whose heads are knocked out:
        each one's output (its attention-weighted sum of values, its slice of
        the concatenated head outputs) is zeroed before its layer's output
        projection.  Its own attention is still computed and returned; later
        layers see the changed residual stream."""
        attn, x = self.residual(ids, ablate)
        last = self.norm(x[-1:], "output_norm")[0]
        return attn, self.out @ last

    def forward_all(self, ids, ablate=()):
        """Return (attention (layers, heads, n, n), logits (n, vocab)): the
        logits at every position, each predicting the token after it.
        ABLATE as for forward(); row n-1 is forward()'s last-position logits."""
        attn, x = self.residual(ids, ablate)
        return attn, self.norm(x, "output_norm") @ self.out.T

    def next_token_loss(self, ids, ablate=()):
        """Teacher forcing over IDS (BOS included as token 0), ABLATE's heads
        knocked out: return (loss, top1), where loss is the mean over
        positions i = 0..n-2 of -log softmax(logits at i)[ids[i+1]] in nats
        (natural log) and top1 the n-1 most probable next ids (argmax, the
        lowest id on a tie)."""
        if len(ids) < 2:
            raise ValueError("a next-token loss needs at least two tokens")
        _, logits = self.forward_all(ids, ablate)
        z = logits[:-1]
        top = z.max(-1, keepdims=True)
        logp = z - top - np.log(np.exp(z - top).sum(-1, keepdims=True))
        nll = -logp[np.arange(len(ids) - 1), np.asarray(ids[1:])]
        return float(nll.mean()), z.argmax(-1)

    def importance(self, ids):
        """Return (intact loss, (layers, heads) array): each head's importance,
        the next_token_loss() with that head alone knocked out minus the loss
        with nothing knocked out."""
        base, _ = self.next_token_loss(ids)
        imp = np.empty((self.n_layers, self.n_heads))
        for l in range(self.n_layers):
            for hh in range(self.n_heads):
                imp[l, hh] = self.next_token_loss(ids, [(l, hh)])[0] - base
        return base, imp

    def residual(self, ids, ablate=(), values=None):
        """Return (attention (layers, heads, n, n), the residual stream
        (n, dim) after the last layer, before the output norm).  ABLATE as
        for forward().  VALUES, a list, receives each layer's value vectors
        V (n, n_kv, head_dim) in layer order."""
        t, n, hd = self.t, len(ids), self.head_dim
        off = set()
        for l, hh in ablate:
            if not (0 <= l < self.n_layers and 0 <= hh < self.n_heads):
                raise ValueError(f"no head {l}.{hh}: the model has {self.n_layers} layers "
                                 f"x {self.n_heads} heads")
            off.add((int(l), int(hh)))
        x = self.embed(ids)
        mask = np.triu(np.ones((n, n), bool), 1) if self.causal else np.zeros((n, n), bool)
        attn = np.zeros((self.n_layers, self.n_heads, n, n))
        post = self.a["post_norm"]
        qd, kvd = self.n_heads * hd, self.n_kv * hd
        for l in range(self.n_layers):
            p = f"blk.{l}."
            h = x if post else self.norm(x, p + "attn_norm")
            if p + "attn_qkv.weight" in t:  # fused: rows q | k | v
                qkv = self.linear(h, p + "attn_qkv")
                q, k, v = qkv[:, :qd], qkv[:, qd:qd + kvd], qkv[:, qd + kvd:]
            else:
                q, k, v = (self.linear(h, p + "attn_" + c) for c in "qkv")
            q, k, v = q.reshape(n, self.n_heads, hd), k.reshape(n, self.n_kv, hd), v.reshape(n, self.n_kv, hd)
            if self.a["qk_norm"]:
                q = self.rmsnorm(q, t[p + "attn_q_norm.weight"])
                k = self.rmsnorm(k, t[p + "attn_k_norm.weight"])
            if self.a["pos"] in ("rope", "neox"):
                q, k = self.rope(q), self.rope(k)
            if values is not None:
                values.append(v)
            out = np.zeros((n, self.n_heads, hd))
            group = self.n_heads // self.n_kv
            for hh in range(self.n_heads):
                kv = hh // group
                s = q[:, hh] @ k[:, kv].T / np.sqrt(hd)
                s[mask] = -np.inf
                s = np.exp(s - s.max(-1, keepdims=True))
                s /= s.sum(-1, keepdims=True)
                attn[l, hh] = s
                if (l, hh) not in off:
                    out[:, hh] = s @ v[:, kv]
            x = x + self.linear(out.reshape(n, -1), p + "attn_output")
            if post:
                x = self.norm(x, p + "attn_output_norm")
            h = x if post else self.norm(x, p + "ffn_norm")
            x = x + self.ffn(h, p)
            if post:
                x = self.norm(x, p + "layer_output_norm")
        return attn, x


def tokenize(sp, text):
    """BOS, then SentencePiece's own ids for TEXT (none for empty text)."""
    return [sp.bos_id()] + (sp.encode(text) if text else [])
