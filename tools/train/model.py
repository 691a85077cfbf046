"""Llama-architecture causal LM (RMSNorm, adjacent-pair RoPE, MHA/GQA, SwiGLU)
matching what attnscope's C forward pass computes."""
import math
from dataclasses import dataclass, asdict
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    dim: int = 160
    n_layers: int = 6
    n_heads: int = 5
    n_kv_heads: int = 5
    ffn_dim: int = 432
    vocab_size: int = 2048
    max_seq_len: int = 256
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    dropout: float = 0.0
    # dropout on the attention weights; < 0 means "same as dropout". Dropping
    # weights after the softmax penalises sharp heads (a head that puts all
    # its weight on one token loses everything when that weight is dropped),
    # so the explorer's model trains with it off.
    attn_dropout: float = -1.0
    tied: bool = True

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, seq_len, theta, dtype=torch.float32):
    # angle(pos, i) = pos * theta^(-2i/head_dim), i = 0 .. head_dim/2-1
    i = torch.arange(0, head_dim // 2, dtype=torch.float64)
    inv = theta ** (-2.0 * i / head_dim)
    ang = torch.arange(seq_len, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).to(dtype), torch.sin(ang).to(dtype)


def apply_rope(x, cos, sin):
    # x: (B, T, H, D); rotate adjacent pairs (x[2i], x[2i+1])
    B, T, H, D = x.shape
    xp = x.reshape(B, T, H, D // 2, 2)
    a, b = xp[..., 0], xp[..., 1]
    c = cos[:T].view(1, T, 1, D // 2)
    s = sin[:T].view(1, T, 1, D // 2)
    out = torch.stack((a * c - b * s, a * s + b * c), dim=-1)
    return out.reshape(B, T, H, D)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.nh, self.nkv = cfg.n_heads, cfg.n_kv_heads
        self.hd = cfg.dim // cfg.n_heads
        self.wq = nn.Linear(cfg.dim, self.nh * self.hd, bias=False)
        self.wk = nn.Linear(cfg.dim, self.nkv * self.hd, bias=False)
        self.wv = nn.Linear(cfg.dim, self.nkv * self.hd, bias=False)
        self.wo = nn.Linear(self.nh * self.hd, cfg.dim, bias=False)
        self.attn_drop = nn.Dropout(cfg.dropout if cfg.attn_dropout < 0 else cfg.attn_dropout)
        self.resid_drop = nn.Dropout(cfg.dropout)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.wq(x).view(B, T, self.nh, self.hd)
        k = self.wk(x).view(B, T, self.nkv, self.hd)
        v = self.wv(x).view(B, T, self.nkv, self.hd)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if self.nkv != self.nh:
            r = self.nh // self.nkv
            k = k.repeat_interleave(r, dim=2)
            v = v.repeat_interleave(r, dim=2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.hd)
        att = att.masked_fill(mask[:T, :T] == 0, float("-inf"))
        att = self.attn_drop(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.resid_drop(self.wo(y))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.w1 = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)  # gate
        self.w3 = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)  # up
        self.w2 = nn.Linear(cfg.ffn_dim, cfg.dim, bias=False)  # down
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        return self.drop(self.w2(F.silu(self.w1(x)) * self.w3(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attention = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.feed_forward = FeedForward(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.attention(self.attention_norm(x), cos, sin, mask)
        return x + self.feed_forward(self.ffn_norm(x))


class Transformer(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.tok_embeddings = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.drop = nn.Dropout(cfg.dropout)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.output = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        if cfg.tied:
            self.output.weight = self.tok_embeddings.weight
        cos, sin = rope_tables(cfg.dim // cfg.n_heads, cfg.max_seq_len, cfg.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.register_buffer("mask", torch.tril(torch.ones(cfg.max_seq_len, cfg.max_seq_len)),
                             persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("wo.weight") or n.endswith("w2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        cos = self.rope_cos.to(self.tok_embeddings.weight.dtype)
        sin = self.rope_sin.to(self.tok_embeddings.weight.dtype)
        x = self.drop(self.tok_embeddings(idx))
        for layer in self.layers:
            x = layer(x, cos, sin, self.mask)
        logits = self.output(self.norm(x))
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss

    def n_params(self):
        return sum(p.numel() for p in self.parameters())

    @torch.no_grad()
    def greedy(self, ids, n):
        ids = list(ids)
        for _ in range(n):
            x = torch.tensor([ids[-self.cfg.max_seq_len:]])
            ids.append(int(self(x)[0, -1].argmax()))
        return ids
