#!/usr/bin/env python3
"""Summarise a finished run into RESULTS.json: size, steps, tokens, losses
(train loss re-measured without dropout on as many random training windows as
there are validation windows), wall time and greedy continuations (argmax, 40
tokens) from the PyTorch checkpoint, cross-checked with the numpy forward pass
over the exported GGUF."""
import argparse, json, os, sys
import numpy as np
import torch
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gguf_io as G
from model import Config, Transformer
from train import CORPUS, encode_file
from check_export import numpy_forward

PROMPTS = ["Once upon a time", "The cat sat on the mat because"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out", "ckpt.pt"))
    ap.add_argument("--tok", default=os.path.join(HERE, "out", "tok2048.model"))
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.json"))
    ap.add_argument("--wall", default=None, help="JSON of measured wall times per step")
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = Config(**ck["config"])
    model = Transformer(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    sp = spm.SentencePieceProcessor(model_file=a.tok)
    meta, t = G.read(a.gguf)

    T = cfg.max_seq_len
    def loss_on(arr, starts):
        x = torch.from_numpy(np.stack([arr[i:i + T] for i in starts]))
        y = torch.from_numpy(np.stack([arr[i + 1:i + T + 1] for i in starts]))
        tot = 0.0
        with torch.no_grad():
            for j in range(0, len(x), 32):
                tot += model(x[j:j + 32], y[j:j + 32])[1].item() * len(x[j:j + 32])
        return tot / len(x)
    train = encode_file(sp, os.path.join(CORPUS, "tinystories-train.txt"))
    valid = encode_file(sp, os.path.join(CORPUS, "tinystories-valid.txt"))
    vst = list(range(0, len(valid) - T - 1, T))
    tst = np.random.default_rng(0).integers(0, len(train) - T - 1, size=len(vst))
    train_eval, valid_eval = loss_on(train, tst), loss_on(valid, vst)

    conts = {}
    for p in PROMPTS:
        ids = [sp.bos_id()] + sp.encode(p)
        out = model.greedy(ids, a.n)
        # numpy float64 over the GGUF, same greedy decoding
        nid = list(ids)
        for _ in range(a.n):
            nid.append(int(np.argmax(numpy_forward(meta, t, nid[-T:])[0][-1])))
        conts[p] = {"text": sp.decode(out[1:]), "ids": out[len(ids):],
                    "numpy_gguf_same": nid == out}
        print(f"{p!r} -> {conts[p]['text']!r} (numpy/GGUF identical: {nid == out})")

    res = {"model_file": os.path.relpath(a.gguf, os.path.join(HERE, "..", "..")),
           "model_bytes": os.path.getsize(a.gguf), "name": meta["general.name"],
           "config": ck["config"], "params": ck["params"], "steps": ck["step"],
           "tokens_seen": ck["tokens"], "batch": ck["args"]["batch"],
           "train_tokens_per_epoch": int(len(train)),
           "epochs": round(ck["tokens"] / len(train), 2),
           "train_loss_running": ck["train_loss"], "valid_loss": ck["valid_loss"],
           "train_loss_eval": round(train_eval, 4), "valid_loss_eval": round(valid_eval, 4),
           "training_seconds": round(ck["elapsed_s"], 1),
           "continuations": {p: c["text"] for p, c in conts.items()},
           "continuation_ids": {p: c["ids"] for p, c in conts.items()},
           "continuations_numpy_gguf_identical": all(c["numpy_gguf_same"] for c in conts.values())}
    if a.wall:
        res["wall_seconds"] = json.load(open(a.wall))
    json.dump(res, open(a.out, "w"), indent=1, ensure_ascii=False)
    print(json.dumps({k: v for k, v in res.items() if k != "continuation_ids"}, indent=1))


if __name__ == "__main__":
    main()
