"""reference.py - an independent float64 implementation of a GGUF `llama`
model, for golden files and head statistics.

It shares no code with attnscope's C core: its own GGUF reader (numpy over
the file's bytes), its own forward pass in float64, and tokenization by
SentencePiece itself (python3-sentencepiece) from the tokenizer's .model file.
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


class Model:
    def __init__(self, path):
        self.meta, self.t = read_gguf(path)
        m = self.meta
        self.n_layers = m["llama.block_count"]
        self.n_heads = m["llama.attention.head_count"]
        self.n_kv = m.get("llama.attention.head_count_kv", self.n_heads)
        self.dim = m["llama.embedding_length"]
        self.head_dim = self.dim // self.n_heads
        self.rope_dim = m.get("llama.rope.dimension_count", self.head_dim)
        self.base = m.get("llama.rope.freq_base", 10000.0)
        self.eps = m.get("llama.attention.layer_norm_rms_epsilon", 1e-5)
        self.out = self.t.get("output.weight", self.t["token_embd.weight"])

    def rmsnorm(self, x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * w

    def rope(self, x):
        """x: (n, heads, head_dim); rotate adjacent pairs of the first rope_dim."""
        n = x.shape[0]
        i = np.arange(self.rope_dim // 2)
        ang = np.arange(n)[:, None] * self.base ** (-2.0 * i / self.rope_dim)
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        a, b = x[..., 0:self.rope_dim:2].copy(), x[..., 1:self.rope_dim:2].copy()
        y = x.copy()
        y[..., 0:self.rope_dim:2] = a * c - b * s
        y[..., 1:self.rope_dim:2] = a * s + b * c
        return y

    def forward(self, ids, ablate=()):
        """Return (attention (layers, heads, n, n), last-position logits).

        ABLATE: (layer, head) pairs, both from 0, whose heads are knocked out:
        each one's output (its attention-weighted sum of values, its slice of
        the concatenated head outputs) is zeroed before its layer's output
        projection.  Its own attention is still computed and returned; later
        layers see the changed residual stream."""
        attn, x = self.residual(ids, ablate)
        last = self.rmsnorm(x[-1], self.t["output_norm.weight"])
        return attn, self.out @ last

    def forward_all(self, ids, ablate=()):
        """Return (attention (layers, heads, n, n), logits (n, vocab)): the
        logits at every position, each predicting the token after it.
        ABLATE as for forward(); row n-1 is forward()'s last-position logits."""
        attn, x = self.residual(ids, ablate)
        return attn, self.rmsnorm(x, self.t["output_norm.weight"]) @ self.out.T

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
        x = t["token_embd.weight"][ids]
        mask = np.triu(np.ones((n, n), bool), 1)
        attn = np.zeros((self.n_layers, self.n_heads, n, n))
        for l in range(self.n_layers):
            p = f"blk.{l}."
            h = self.rmsnorm(x, t[p + "attn_norm.weight"])
            q = self.rope((h @ t[p + "attn_q.weight"].T).reshape(n, self.n_heads, hd))
            k = self.rope((h @ t[p + "attn_k.weight"].T).reshape(n, self.n_kv, hd))
            v = (h @ t[p + "attn_v.weight"].T).reshape(n, self.n_kv, hd)
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
            x = x + out.reshape(n, -1) @ t[p + "attn_output.weight"].T
            h = self.rmsnorm(x, t[p + "ffn_norm.weight"])
            g = h @ t[p + "ffn_gate.weight"].T
            u = h @ t[p + "ffn_up.weight"].T
            x = x + (g / (1 + np.exp(-g)) * u) @ t[p + "ffn_down.weight"].T
        return attn, x


def tokenize(sp, text):
    """BOS, then SentencePiece's own ids for TEXT (none for empty text)."""
    return [sp.bos_id()] + (sp.encode(text) if text else [])
