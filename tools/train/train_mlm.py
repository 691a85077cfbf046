#!/usr/bin/env python3
"""Train the bundled encoder (model_bert.py) with a masked-LM objective on
TinyStories (CPU, PyTorch 1.13).

Each training sequence is [CLS] <whole sentences of one story> [SEP], at most
--ctx tokens: a random story, a random first sentence (the story's first one
half the time), then sentences until a target length drawn per sequence
(--ctx most of the time, a uniform 8..ctx length with --short_p), so the model
also sees the short single sentences the explorer shows.  Padding keys are
masked out of the attention.  15% of the non-special tokens are chosen; of
those 80% become [MASK], 10% a random piece, 10% stay; the loss is the
cross-entropy of the tied head at the chosen positions.

Logs step,train_loss,valid_loss,valid_acc,elapsed_s,lr,tokens to
<out>/loss.csv; checkpoints <out>/ckpt.pt (latest) and <out>/best.pt (lowest
validation loss).  Validation: every validation story cut into sentence-
aligned sequences of at most --ctx tokens, masked once with a fixed seed.
"""
import argparse, json, math, os, random, time
import numpy as np
import torch
from model_bert import Config, Bert
import train_wordpiece as wp
from schedule import Schedule, adamw

HERE = os.path.dirname(os.path.abspath(__file__))
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4


class Encoder:
    """Text -> WordPiece ids with the committed vocabulary (words cached)."""

    def __init__(self, path):
        self.pieces = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
        assert self.pieces[:5] == wp.SPECIALS, "specials must be ids 0-4"
        self.ids = {p: i for i, p in enumerate(self.pieces)}
        self.cache = {}

    def word(self, w):
        if w not in self.cache:
            ps = wp.wordpiece(w, self.ids)
            self.cache[w] = [self.ids[p] for p in ps] if ps else [UNK]
        return self.cache[w]

    def encode(self, text):
        out = []
        for w in wp.words(text):
            out += self.word(w)
        return out


def sentences(enc, story):
    """The story's token ids cut after . ! ? (a closing quote stays with them)."""
    ends = {enc.ids[c] for c in ".!?" if c in enc.ids}
    quote = enc.ids.get('"')
    toks = enc.encode(story)
    out, cur = [], []
    for i, t in enumerate(toks):
        cur.append(t)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (t in ends and nxt != quote) or (t == quote and cur[-2:-1] and cur[-2] in ends):
            out.append(cur); cur = []
    if cur:
        out.append(cur)
    return out


def pack(sents, start, target):
    """Sentences from START until TARGET tokens; an over-long sentence is cut."""
    seq = []
    for s in sents[start:]:
        if seq and len(seq) + len(s) > target:
            break
        seq += s[:target - len(seq)]
    return seq


def mask_tokens(x, rng, vocab, p=0.15):
    """x (B, T) int64 with specials; returns (inputs, labels) as numpy."""
    inp, lab = x.copy(), np.full_like(x, -100)
    cand = x > MASK                           # real pieces only
    pick = cand & (rng.random(x.shape) < p)
    for b in range(x.shape[0]):               # at least one target per row
        if not pick[b].any() and cand[b].any():
            pick[b, rng.choice(np.flatnonzero(cand[b]))] = True
    lab[pick] = x[pick]
    r = rng.random(x.shape)
    inp[pick & (r < 0.8)] = MASK
    rnd = pick & (r >= 0.8) & (r < 0.9)
    inp[rnd] = rng.integers(MASK + 1, vocab, size=int(rnd.sum()))
    return inp, lab


def to_batch(seqs, T):
    x = np.full((len(seqs), T), PAD, dtype=np.int64)
    n = max(len(s) for s in seqs) + 2
    for b, s in enumerate(seqs):
        row = [CLS] + s + [SEP]
        x[b, :len(row)] = row
    return x[:, :n]


def valid_set(enc, path, T, seed=1234):
    """The validation stories as sentence-aligned sequences of at most T
    tokens ([CLS] ... [SEP], padded), masked once with SEED: (x, inputs,
    labels), labels -100 where nothing is predicted."""
    seqs = []
    for story in wp.read_stories(path):      # greedy, sentence-aligned
        cur = []
        for sn in sentences(enc, story):
            if cur and len(cur) + len(sn) > T - 2:
                seqs.append(cur); cur = []
            cur = (cur + sn)[:T - 2]
        if cur:
            seqs.append(cur)
    x = to_batch(seqs, T)
    inp, lab = mask_tokens(x, np.random.default_rng(seed), len(enc.pieces))
    return x, inp, lab


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", default=os.path.join(HERE, "tinystories-enc-vocab.txt"))
    ap.add_argument("--train", default=os.path.join(wp.CORPUS, "tinystories-train.txt"))
    ap.add_argument("--valid", default=os.path.join(wp.CORPUS, "tinystories-valid.txt"))
    ap.add_argument("--out", default=os.path.join(HERE, "out-enc"))
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--attn_dropout", type=float, default=0.0)
    ap.add_argument("--short_p", type=float, default=0.3,
                    help="share of sequences with a random target length 8..ctx")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min_lr", type=float, default=1e-4)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--eval_every", type=int, default=200)
    ap.add_argument("--ckpt_every", type=int, default=200)
    ap.add_argument("--max_seconds", type=float, default=0,
                    help="wall-time budget: the cosine schedule and the stop follow whichever "
                         "of steps/time runs out first (0 = steps only)")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    random.seed(a.seed); np.random.seed(a.seed); torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)

    t0 = time.time()
    enc = Encoder(a.vocab)
    train = [s for s in (sentences(enc, st) for st in wp.read_stories(a.train)) if s]
    T = a.ctx
    body = T - 2                              # room for [CLS] and [SEP]
    vx, vin, vlab = valid_set(enc, a.valid, T)
    ntrain = sum(len(s) for st in train for s in st)
    print(f"train {len(train)} stories, {ntrain} tokens; valid {len(vx)} sequences, "
          f"{int((vlab >= 0).sum())} masked targets ({time.time()-t0:.1f}s)", flush=True)

    cfg = Config(dim=a.dim, n_layers=a.layers, n_heads=a.heads, ffn_dim=a.ffn,
                 vocab_size=len(enc.pieces), max_seq_len=T, dropout=a.dropout,
                 attn_dropout=a.attn_dropout)
    model = Bert(cfg)
    nparam = model.n_params()
    print(f"config {cfg.to_dict()}\nparams {nparam} ({nparam*4/1e6:.2f} MB as F32)", flush=True)

    opt = adamw(model, a.lr, a.wd, (0.9, 0.98), 1e-6)
    sched = Schedule(a.lr, a.min_lr, a.warmup, a.steps, a.max_seconds)

    rng = np.random.default_rng(a.seed)

    def batch():
        seqs = []
        for _ in range(a.batch):
            sents = train[rng.integers(len(train))]
            start = 0 if rng.random() < 0.5 else int(rng.integers(len(sents)))
            target = int(rng.integers(8, body + 1)) if rng.random() < a.short_p else body
            seqs.append(pack(sents, start, target))
        x = to_batch(seqs, T)
        inp, lab = mask_tokens(x, rng, cfg.vocab_size)
        return torch.from_numpy(inp), torch.from_numpy(lab), torch.from_numpy(x == PAD)

    @torch.no_grad()
    def evaluate():
        model.eval()
        tot, right, n = 0.0, 0, 0
        for j in range(0, len(vin), 64):
            x = torch.from_numpy(vin[j:j + 64])
            l, r, k = model(x, torch.from_numpy(vlab[j:j + 64]), torch.from_numpy(vx[j:j + 64] == PAD))
            tot += l.item() * k; right += r; n += k
        model.train()
        return tot / n, right / n

    csv = open(os.path.join(a.out, "loss.csv"), "w")
    csv.write("step,train_loss,valid_loss,valid_acc,elapsed_s,lr,tokens\n"); csv.flush()
    best = float("inf")

    def save(name, step, tr, va, acc):
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "step": step,
                    "tokens": tokens, "train_loss": tr, "valid_loss": va, "valid_acc": acc,
                    "elapsed_s": sched.elapsed(), "params": nparam, "args": vars(a)},
                   os.path.join(a.out, name + ".tmp"))
        os.replace(os.path.join(a.out, name + ".tmp"), os.path.join(a.out, name))
        json.dump(cfg.to_dict(), open(os.path.join(a.out, "config.json"), "w"), indent=1)

    model.train()
    sched.start()
    run_loss, run_n, tokens, step = 0.0, 0, 0, 0
    while True:
        sched.step(step)
        last = sched.done(step)
        if step % a.eval_every == 0 or last:
            va, acc = evaluate()
            tr = run_loss / run_n if run_n else float("nan")
            el = sched.elapsed()
            csv.write(f"{step},{tr:.5f},{va:.5f},{acc:.5f},{el:.1f},{sched.rate(step):.6f},{tokens}\n")
            csv.flush()
            print(f"step {step:5d} train {tr:.4f} valid {va:.4f} acc {acc:.4f} elapsed {el:7.1f}s "
                  f"{tokens/max(el,1e-9):6.0f} tok/s lr {sched.rate(step):.2e}", flush=True)
            run_loss, run_n = 0.0, 0
            if va < best and step > 0:
                best = va
                save("best.pt", step, tr, va, acc)
            if (step % a.ckpt_every == 0 and step > 0) or last:
                save("ckpt.pt", step, tr, va, acc)
        if last:
            break
        for g in opt.param_groups:
            g["lr"] = sched.rate(step)
        x, y, pad = batch()
        tokens += int((~pad).sum())
        loss, _, _ = model(x, y, pad)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        run_loss += loss.item(); run_n += 1
        step += 1
        if step % 20 == 0 and step % a.eval_every:
            print(f"  step {step} loss {loss.item():.4f} {sched.elapsed():.1f}s", flush=True)
    print(f"done: {step} steps, {tokens} tokens, {sched.elapsed():.0f}s, best valid {best:.4f}")


if __name__ == "__main__":
    main()
