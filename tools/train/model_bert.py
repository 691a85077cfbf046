"""BERT-style encoder computed as llama.cpp's `bert` graph computes it
(src/models/bert.cpp; tools/golden/reference.py's "bert" row):

  x = token_embd[ids] + token_types[0] + position_embd[pos]
  x = LayerNorm(x)                                   token_embd_norm
  per layer (post-norm, no causal mask):
    x = LayerNorm(x + attn_output(MHA(x)))           attn_output_norm; q/k/v/o with biases
    x = LayerNorm(x + ffn_down(gelu(ffn_up(x))))     layer_output_norm; gelu = tanh approximation

The masked-LM head is tied to the token embeddings with nothing else:
logits = x_final @ token_embd^T (no transform, no bias), so the GGUF holds
no tensor llama.cpp does not expect.  Module names follow the GGUF names so
the exporter is a rename of "." -> "_" at most.
"""
import math
from dataclasses import dataclass, asdict
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    dim: int = 128
    n_layers: int = 6
    n_heads: int = 4
    ffn_dim: int = 512
    vocab_size: int = 6144
    max_seq_len: int = 128
    n_token_types: int = 2
    norm_eps: float = 1e-12
    dropout: float = 0.1
    attn_dropout: float = 0.0

    def to_dict(self):
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.nh, self.hd = cfg.n_heads, cfg.dim // cfg.n_heads
        self.q = nn.Linear(cfg.dim, cfg.dim)
        self.k = nn.Linear(cfg.dim, cfg.dim)
        self.v = nn.Linear(cfg.dim, cfg.dim)
        self.o = nn.Linear(cfg.dim, cfg.dim)
        self.attn_drop = nn.Dropout(cfg.attn_dropout)

    def forward(self, x, pad=None, want_attn=False):
        """x (B, T, dim); pad (B, T) bool, True where a key is padding."""
        B, T, _ = x.shape
        q = self.q(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.k(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        v = self.v(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.hd)
        if pad is not None:
            att = att.masked_fill(pad[:, None, None, :], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (self.attn_drop(att) @ v).transpose(1, 2).reshape(B, T, -1)
        return self.o(y), (att if want_attn else None)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn = Attention(cfg)
        self.attn_output_norm = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)
        self.ffn_up = nn.Linear(cfg.dim, cfg.ffn_dim)
        self.ffn_down = nn.Linear(cfg.ffn_dim, cfg.dim)
        self.layer_output_norm = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, pad=None, want_attn=False):
        a, att = self.attn(x, pad, want_attn)
        x = self.attn_output_norm(x + self.drop(a))
        f = self.ffn_down(F.gelu(self.ffn_up(x), approximate="tanh"))
        return self.layer_output_norm(x + self.drop(f)), att


class Bert(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.token_embd = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.token_types = nn.Embedding(cfg.n_token_types, cfg.dim)
        self.position_embd = nn.Embedding(cfg.max_seq_len, cfg.dim)
        self.token_embd_norm = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)
        self.drop = nn.Dropout(cfg.dropout)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.apply(self._init)
        # every token is of type 0: row 1 is never used; keep it zero
        with torch.no_grad():
            self.token_types.weight[1:].zero_()

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def encode(self, ids, pad=None, want_attn=False):
        """Final embeddings (B, T, dim) and, if WANT_ATTN, each layer's (B, H, T, T)."""
        T = ids.shape[1]
        pos = torch.arange(T, device=ids.device)
        x = self.token_embd(ids) + self.token_types.weight[0] + self.position_embd(pos)[None]
        x = self.drop(self.token_embd_norm(x))
        atts = []
        for layer in self.layers:
            x, att = layer(x, pad, want_attn)
            atts.append(att)
        return x, atts

    def mlm_logits(self, h):
        """The tied masked-LM head: h @ token_embd^T."""
        return h @ self.token_embd.weight.t()

    def forward(self, ids, labels, pad=None):
        """Masked-LM loss over the positions where LABELS >= 0, and the
        number of those positions the argmax gets right."""
        h, _ = self.encode(ids, pad)
        sel = labels >= 0
        logits = self.mlm_logits(h[sel])
        y = labels[sel]
        loss = F.cross_entropy(logits, y)
        return loss, int((logits.argmax(-1) == y).sum()), int(y.numel())

    def n_params(self):
        return sum(p.numel() for p in self.parameters())
