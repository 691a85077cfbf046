#!/usr/bin/env python3
"""Train a small llama-architecture LM on TinyStories (CPU, PyTorch 1.13).
Logs step,train_loss,valid_loss,elapsed_s,lr,tokens to out/loss.csv and saves
checkpoints (out/ckpt.pt = latest, out/best.pt = lowest valid loss; each holds
the state dict, the config and training stats)."""
import argparse, json, math, os, random, time
import numpy as np
import torch
import sentencepiece as spm
from model import Config, Transformer
from schedule import Schedule, adamw

HERE = os.path.dirname(os.path.abspath(__file__))
# the shared corpus sits beside the repository: <repo>/../shared/corpus
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "corpus"))


def encode_file(sp, path):
    text = open(path, encoding="utf-8").read()
    ids = []
    for s in text.split("<|endoftext|>\n"):
        s = s.replace("<|endoftext|>", "").strip("\n")
        if s:
            ids.append(sp.bos_id())          # every story starts with BOS
            ids.extend(sp.encode(s))
    return np.array(ids, dtype=np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tok", default=os.path.join(HERE, "out", "tok2048.model"))
    ap.add_argument("--train", default=os.path.join(CORPUS, "tinystories-train.txt"))
    ap.add_argument("--valid", default=os.path.join(CORPUS, "tinystories-valid.txt"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--dim", type=int, default=160)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=5)
    ap.add_argument("--kv_heads", type=int, default=0)
    ap.add_argument("--ffn", type=int, default=432)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--rope_theta", type=float, default=10000.0,
                    help="RoPE base (llama.rope.freq_base)")
    ap.add_argument("--attn_dropout", type=float, default=-1.0,
                    help="dropout on attention weights (default: same as --dropout)")
    ap.add_argument("--untied", action="store_true")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min_lr", type=float, default=1e-4)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--eval_every", type=int, default=100)
    ap.add_argument("--ckpt_every", type=int, default=200)
    ap.add_argument("--max_seconds", type=float, default=0,
                    help="wall-time budget: LR schedule and stop follow whichever of steps/time runs out first (0 = steps only)")
    ap.add_argument("--init", default="",
                    help="start from this checkpoint's weights (same shape); the optimizer starts fresh")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    random.seed(a.seed); np.random.seed(a.seed); torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)

    sp = spm.SentencePieceProcessor(model_file=a.tok)
    t0 = time.time()
    train = encode_file(sp, a.train)
    valid = encode_file(sp, a.valid)
    print(f"tokens: train {len(train)}, valid {len(valid)} ({time.time()-t0:.1f}s)", flush=True)

    cfg = Config(dim=a.dim, n_layers=a.layers, n_heads=a.heads,
                 n_kv_heads=a.kv_heads or a.heads, ffn_dim=a.ffn,
                 vocab_size=sp.get_piece_size(), max_seq_len=a.ctx,
                 dropout=a.dropout, attn_dropout=a.attn_dropout, rope_theta=a.rope_theta,
                 tied=not a.untied)
    model = Transformer(cfg)
    if a.init:
        # continue an earlier run: its weights, this run's schedule and data order
        ck = torch.load(a.init, map_location="cpu")
        model.load_state_dict(ck["model"])
        print(f"init from {a.init}: step {ck['step']}, {ck['tokens']} tokens, "
              f"valid {ck['valid_loss']:.4f}", flush=True)
    nparam = model.n_params()
    print(f"config {cfg.to_dict()}\nparams {nparam}", flush=True)

    opt = adamw(model, a.lr, a.wd, (0.9, 0.95), 1e-8)
    sched = Schedule(a.lr, a.min_lr, a.warmup, a.steps, a.max_seconds)

    rng = np.random.default_rng(a.seed)
    T = a.ctx

    def batch():
        ix = rng.integers(0, len(train) - T - 1, size=a.batch)
        x = np.stack([train[i:i + T] for i in ix])
        y = np.stack([train[i + 1:i + T + 1] for i in ix])
        return torch.from_numpy(x), torch.from_numpy(y)

    # fixed validation windows covering the whole validation text
    vst = list(range(0, len(valid) - T - 1, T))
    vx = torch.from_numpy(np.stack([valid[i:i + T] for i in vst]))
    vy = torch.from_numpy(np.stack([valid[i + 1:i + T + 1] for i in vst]))

    @torch.no_grad()
    def evaluate():
        model.eval()
        tot = 0.0
        for j in range(0, len(vx), 32):
            _, l = model(vx[j:j + 32], vy[j:j + 32])
            tot += l.item() * len(vx[j:j + 32])
        model.train()
        return tot / len(vx)

    csv = open(os.path.join(a.out, "loss.csv"), "w")
    csv.write("step,train_loss,valid_loss,elapsed_s,lr,tokens\n"); csv.flush()
    best = float("inf")
    stats = {}

    def save(name, step, tr, va):
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(),
                    "step": step, "tokens": step * a.batch * T,
                    "train_loss": tr, "valid_loss": va,
                    "elapsed_s": sched.elapsed(), "params": nparam,
                    "args": vars(a)}, os.path.join(a.out, name + ".tmp"))
        os.replace(os.path.join(a.out, name + ".tmp"), os.path.join(a.out, name))
        json.dump(cfg.to_dict(), open(os.path.join(a.out, "config.json"), "w"), indent=1)

    model.train()
    sched.start()
    run_loss, run_n = 0.0, 0
    step = 0
    while True:
        sched.step(step)
        last = sched.done(step)
        if step % a.eval_every == 0 or last:
            va = evaluate()
            tr = run_loss / run_n if run_n else float("nan")
            el = sched.elapsed()
            csv.write(f"{step},{tr:.5f},{va:.5f},{el:.1f},{sched.rate(step):.6f},{step*a.batch*T}\n"); csv.flush()
            tps = step * a.batch * T / el if el > 0 else 0
            print(f"step {step:5d} train {tr:.4f} valid {va:.4f} elapsed {el:7.1f}s "
                  f"{tps:6.0f} tok/s lr {sched.rate(step):.2e}", flush=True)
            run_loss, run_n = 0.0, 0
            if va < best and step > 0:
                best = va
                save("best.pt", step, tr, va)
            if (step % a.ckpt_every == 0 and step > 0) or last:
                save("ckpt.pt", step, tr, va)
        if last:
            break
        for g in opt.param_groups:
            g["lr"] = sched.rate(step)
        x, y = batch()
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        run_loss += loss.item(); run_n += 1
        step += 1
        if step % 10 == 0 and step % a.eval_every:
            print(f"  step {step} loss {loss.item():.4f} {sched.elapsed():.1f}s", flush=True)
    print(f"done: {step} steps, {step*a.batch*T} tokens, {sched.elapsed():.0f}s, best valid {best:.4f}")


if __name__ == "__main__":
    main()
