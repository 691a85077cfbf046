#!/usr/bin/env python3
"""Check the exported encoder (export_bert_gguf.py) and measure its heads.

  (1) float64 numpy forward from the GGUF (tools/golden/reference.py) vs the
      PyTorch checkpoint in float64, on held-out validation text: final
      embeddings and attention, max |difference|;  tokenization: attnscope's
      "tokens" vs this repository's Python WordPiece (train_mlm.Encoder);
  (2) attnscope --dump json attention vs the float64 reference;
  (3) llama.cpp (tools/llamacpp driver, pooling none) final embeddings vs
      attnscope's (tests/arch_dump) and vs the reference with ggml's F16
      GELU table (reference.gelu_ggml_cpu): max difference relative to the
      largest value, as tests/test_arch_reference.sh measures it;
  (4) masked-LM loss and masked-token accuracy on the validation stories
      (train_mlm.valid_set: sentence-aligned sequences, masking seed 1234);
  (5) head findings with attnscope's own attention: "bank" -> "river" and
      "it" -> "cat" in every head; the best head of each; and, for those two
      heads, a held-out set of sentences written before any result was seen
      (SENSE: a word whose sense a LATER word sets; PRONOUN: a pronoun and
      its antecedent): how often the target is the query row's argmax and
      how often its weight is >= 0.3.
Prints a report and writes it as JSON (--json).
"""
import argparse, json, os, subprocess, sys
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "golden"))
import reference as R
import train_mlm as TM
from model_bert import Config, Bert

LESSON = [("The bank by the river was steep.", "bank", "river"),
          ("The cat sat on the mat because it was tired.", "it", "cat")]

# Written before the trained model was looked at; not used for choosing
# anything.  (sentence, query word, target word).
SENSE = [
    ("The bat flew out of the cave at night.", "bat", "flew"),
    ("The bat hit the ball very far.", "bat", "ball"),
    ("The bank of the stream was muddy.", "bank", "stream"),
    ("The fish swam near the bank of the lake.", "bank", "lake"),
    ("The bark of the dog was loud.", "bark", "dog"),
    ("The bark of the old tree was rough.", "bark", "tree"),
    ("The ring on her finger was shiny.", "ring", "finger"),
    ("The star of the show sang a song.", "star", "show"),
    ("The star in the sky was bright.", "star", "sky"),
    ("The trunk of the elephant was long.", "trunk", "elephant"),
    ("The trunk of the car was full of toys.", "trunk", "car"),
    ("The duck swam in the pond.", "duck", "pond"),
    ("The rock by the sea was wet.", "rock", "sea"),
    ("The wave on the ocean was big.", "wave", "ocean"),
    ("The nail on his finger was broken.", "nail", "finger"),
    ("The bow in her hair was pink.", "bow", "hair"),
    ("The fly on the wall was buzzing.", "fly", "wall"),
    ("The light from the sun was warm.", "light", "sun"),
]
PRONOUN = [
    ("The dog ran to the park because it was happy.", "it", "dog"),
    ("The girl gave the boy a toy because she was kind.", "she", "girl"),
    ("The bird sang in the tree because it was happy.", "it", "bird"),
    ("Tom helped his mom because he loved her.", "he", "tom"),
    ("The ball rolled down the hill because it was round.", "it", "ball"),
    ("Lily hugged her cat because she was sad.", "she", "lily"),
    ("The boy ate the cake because he was hungry.", "he", "boy"),
    ("The frog jumped into the pond because it was hot.", "it", "frog"),
    ("Sue found a puppy and took it home.", "it", "puppy"),
    ("The mom smiled at the baby because she was proud.", "she", "mom"),
    ("Ben lost his kite, so he was sad.", "he", "ben"),
    ("The car stopped because it was out of gas.", "it", "car"),
]


def rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def attnscope_dump(binary, gguf, text):
    r = subprocess.run([binary, "--dump", "json", "--model", gguf, "--text", text],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def find(pieces, word):
    """Index of the first token that is exactly WORD as a word start."""
    for i, p in enumerate(pieces):
        if p == "\u2581" + word:
            return i
    return None


def torch_model(ckpt):
    ck = torch.load(ckpt, map_location="cpu")
    m = Bert(Config(**ck["config"]))
    m.load_state_dict(ck["model"])
    return m.eval(), ck


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=os.path.join(ROOT, "data", "tinystories-bert.gguf"))
    ap.add_argument("--ckpt", default=os.path.join(HERE, "out-enc", "ckpt.pt"))
    ap.add_argument("--vocab", default=os.path.join(HERE, "tinystories-enc-vocab.txt"))
    ap.add_argument("--valid", default=os.path.join(TM.wp.CORPUS, "tinystories-valid.txt"))
    ap.add_argument("--attnscope", default=os.path.join(ROOT, "build", "src", "attnscope"))
    ap.add_argument("--arch_dump", default=os.path.join(ROOT, "build", "tests", "arch_dump"),
                    help="tests/arch_dump (make -C tests arch_dump): embeddings for given ids")
    ap.add_argument("--driver", default="", help="llama.cpp driver (default: tools/llamacpp/setup.sh)")
    ap.add_argument("--json", default="", help="write the numbers here")
    a = ap.parse_args()
    rep = {}
    enc = TM.Encoder(a.vocab)
    ref = R.Model(a.gguf)
    ref_ggml = R.Model(a.gguf, R.gelu_ggml_cpu)
    tm, ck = torch_model(a.ckpt)
    stories = TM.wp.read_stories(a.valid)
    texts = [stories[0].split("\n")[0], stories[1].split("\n")[0], stories[2][:300]]
    texts = [t for t in texts if t]

    # (1) numpy float64 vs PyTorch float64; tokenization vs attnscope
    tm64 = torch_model(a.ckpt)[0].double()
    emb_d = att_d = 0.0
    tok_ok = 0
    tok_texts = texts + [s for s, _, _ in LESSON + SENSE + PRONOUN] + [
        "Café naïve ÉCOLE, don't stop!", "  spaces\tand\nlines  ", "", "x" * 40, "a-b_c@d #5"]
    for t in texts:
        ids = [TM.CLS] + enc.encode(t) + [TM.SEP]
        attn, h = ref.outputs(ids)
        with torch.no_grad():
            th, tatt = tm64.encode(torch.tensor([ids]), want_attn=True)
        emb_d = max(emb_d, float(np.abs(th[0].numpy() - h).max()))
        att_d = max(att_d, float(np.abs(np.stack([x[0].numpy() for x in tatt]) - attn).max()))
    for t in tok_texts:
        d = attnscope_dump(a.attnscope, a.gguf, t)
        tok_ok += d["tokens"] == [TM.CLS] + enc.encode(t) + [TM.SEP]
    rep["numpy_vs_torch"] = {"texts": len(texts), "embeddings_max_abs": emb_d,
                             "attention_max_abs": att_d}
    rep["tokenization"] = {"agree": tok_ok, "of": len(tok_texts)}
    print(f"(1) float64 numpy (reference.py) vs PyTorch float64 on {len(texts)} validation texts: "
          f"final embeddings max |diff| {emb_d:.2e}, attention {att_d:.2e}")
    print(f"    tokenization: attnscope = Python WordPiece on {tok_ok}/{len(tok_texts)} texts")

    # (2) attnscope attention vs the float64 reference
    worst, n_att = 0.0, 0
    for t in texts + [s for s, _, _ in LESSON]:
        d = attnscope_dump(a.attnscope, a.gguf, t)
        attn, _ = ref.outputs(d["tokens"])
        worst = max(worst, float(np.abs(np.array(d["attention"]) - attn).max()))
        n_att += attn.size
    rep["attnscope_vs_reference"] = {"attention_max_abs": worst, "values": n_att}
    print(f"(2) attnscope --dump json vs float64 reference: {n_att} attention weights, "
          f"max |diff| {worst:.2e}")

    # (3) llama.cpp vs attnscope and vs the reference with ggml's GELU
    driver = a.driver
    if not driver:
        r = subprocess.run(["sh", os.path.join(ROOT, "tools", "llamacpp", "setup.sh")],
                           capture_output=True, text=True)
        driver = r.stdout.strip() if r.returncode == 0 else ""
    if driver:
        l_vs_a = l_vs_g = l_vs_r = a_vs_r = 0.0
        for t in texts + [s for s, _, _ in LESSON]:
            ids = [TM.CLS] + enc.encode(t) + [TM.SEP]
            sids = [str(i) for i in ids]
            ll = subprocess.run([driver, "embeddings", a.gguf] + sids, capture_output=True,
                                text=True, check=True).stdout
            ll = np.array(ll.split(), float).reshape(len(ids), -1)
            mine = np.array(json.loads(subprocess.run([a.arch_dump, a.gguf] + sids,
                            capture_output=True, text=True, check=True).stdout)["embeddings"])
            _, h = ref.outputs(ids)
            _, hg = ref_ggml.outputs(ids)
            l_vs_a = max(l_vs_a, rel(mine, ll))
            l_vs_g = max(l_vs_g, rel(hg, ll))
            l_vs_r = max(l_vs_r, rel(h, ll))
            a_vs_r = max(a_vs_r, rel(mine, h))
        rep["llamacpp"] = {"attnscope_vs_llamacpp_rel": l_vs_a,
                           "reference_ggml_gelu_vs_llamacpp_rel": l_vs_g,
                           "reference_exact_gelu_vs_llamacpp_rel": l_vs_r,
                           "attnscope_vs_reference_rel": a_vs_r}
        print(f"(3) final embeddings (pooling none), max |diff| / max |value|, "
              f"{len(texts) + 2} texts:\n"
              f"    attnscope vs llama.cpp {l_vs_a:.2e}; reference (exact GELU) vs llama.cpp "
              f"{l_vs_r:.2e}\n    reference with ggml's F16 GELU table vs llama.cpp {l_vs_g:.2e}; "
              f"attnscope vs reference {a_vs_r:.2e}")
    else:
        print("(3) llama.cpp unavailable (tools/llamacpp/setup.sh): skipped")

    # (4) masked-LM on the validation stories
    x, inp, lab = TM.valid_set(enc, a.valid, ck["config"]["max_seq_len"])
    tot, right, n = 0.0, 0, 0
    with torch.no_grad():
        for j in range(0, len(inp), 64):
            l, r, k = tm(torch.from_numpy(inp[j:j + 64]), torch.from_numpy(lab[j:j + 64]),
                         torch.from_numpy(x[j:j + 64] == TM.PAD))
            tot += l.item() * k; right += r; n += k
    rep["mlm_valid"] = {"loss": tot / n, "accuracy": right / n, "targets": n,
                        "sequences": len(inp)}
    print(f"(4) masked LM on the validation stories ({len(inp)} sequences, {n} targets, "
          f"masking seed 1234): loss {tot/n:.4f} nats, accuracy {right/n:.4f}")

    # (5) heads
    best = {}
    for s, q, k in LESSON:
        d = attnscope_dump(a.attnscope, a.gguf, s)
        qi, ki = find(d["pieces"], q), find(d["pieces"], k)
        w = np.array(d["attention"])[:, :, qi, ki]
        L, H = np.unravel_index(w.argmax(), w.shape)
        best[q] = (int(L), int(H))
        rep[f"{q}->{k}"] = {"sentence": s, "best_head": [int(L), int(H)],
                            "weight": float(w[L, H]), "per_head": w.round(4).tolist()}
        print(f"(5) {q!r} -> {k!r} in {s!r}: best head {L}.{H} weight {w[L, H]:.3f}; "
              f"heads >= 0.3: {int((w >= 0.3).sum())}")
        for l in range(w.shape[0]):
            print("      layer %d: %s" % (l, " ".join(f"{v:.3f}" for v in w[l])))
    for name, items, head in (("sense", SENSE, best["bank"]), ("pronoun", PRONOUN, best["it"])):
        L, H = head
        rows, am, ge, skipped = [], 0, 0, []
        for s, q, k in items:
            d = attnscope_dump(a.attnscope, a.gguf, s)
            qi, ki = find(d["pieces"], q), find(d["pieces"], k)
            if qi is None or ki is None:
                skipped.append(f"{s} ({q if qi is None else k} is not one piece)")
                continue
            att = np.array(d["attention"])
            row = att[L, H, qi]
            allw = att[:, :, qi, ki]
            bl, bh = np.unravel_index(allw.argmax(), allw.shape)
            am += int(row.argmax() == ki); ge += int(row[ki] >= 0.3)
            rows.append({"sentence": s, "query": q, "target": k, "weight": float(row[ki]),
                         "argmax": d["pieces"][int(row.argmax())],
                         "best_head": [int(bl), int(bh)], "best_weight": float(allw[bl, bh])})
        rep[f"heldout_{name}"] = {"head": [L, H], "n": len(rows), "argmax": am, "ge_0.3": ge,
                                  "skipped": skipped, "rows": rows}
        print(f"    held-out {name}: head {L}.{H} (chosen on the lesson sentence): target is the "
              f"argmax in {am}/{len(rows)}, weight >= 0.3 in {ge}/{len(rows)}")
        for r in rows:
            print(f"      {r['weight']:.3f} argmax {r['argmax']:<10} best {r['best_head'][0]}."
                  f"{r['best_head'][1]} {r['best_weight']:.3f}  {r['query']}->{r['target']}: "
                  f"{r['sentence']}")
        for s in skipped:
            print(f"      skipped: {s}")
    if a.json:
        json.dump(rep, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
