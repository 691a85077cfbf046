#!/usr/bin/python3
"""dequant.py - numpy dequantizers for GGUF tensor types, written from the
block formats (llama.cpp's ggml-common.h and the description of each format
below), independently of attnscope's C (src/core/ggml_type.c).

Each function takes the raw blocks as a uint8 array of shape
(n_blocks, block_bytes) and returns the exact values as float64, shape
(n_blocks, block_elems).  Exact: an fp16 scale is an integer times 2^-24 below
2^16, and every format multiplies it by integers small enough that each value
is an integer times 2^-24 below 2^52, so float64 holds it exactly.  Rounding
that once to float32 is what a correct float32 dequantizer that rounds once
(as llama.cpp's do) produces, so the comparison below is bit for bit.

As a checker:

  dequant.py [--plant swap-nibbles|scale-index] DIR
  dequant.py [--plant ...] --file FILE.gguf DIR

DIR holds manifest.txt (one line per type: NAME ID BLOCK_ELEMS BLOCK_BYTES
N_BLOCKS), NAME.blocks (the raw blocks) and NAME.f32 (attnscope's floats,
little-endian float32), as tests/dequant_dump writes them.  Prints one line
per type and exits 1 when any float differs in any bit from the reference
rounded to float32 (2 on a usage or file error).

With --file, DIR holds tests/dequant_dump --file's output for FILE: every
tensor's floats as attnscope's reader converts them; each is compared with
the reference on the tensor's bytes in FILE (read here, with its own small
GGUF reader: header, metadata skipped, tensor infos, alignment).

--plant makes a deliberate mistake in the reference, so that a test can see
the comparison fail: swap-nibbles swaps the two nibbles of every input byte
before decoding; scale-index gives each element of a type with sub-block
scales the scale of the next sub-block.
"""
import os
import struct
import sys

import numpy as np

QK_K = 256
PLANT = None


def halves(raw, at):
    """The fp16 field at byte AT of each block, as float64."""
    return raw[:, at:at + 2].copy().view("<f2")[:, 0].astype(np.float64)


def lo_hi(qs):
    """4-bit packing of 32 elements in 16 bytes: element j < 16 is the low
    nibble of byte j, element j + 16 the high nibble of byte j."""
    return np.concatenate([qs & 15, qs >> 4], axis=1).astype(np.int64)


def shift_groups(idx, n_groups):
    """scale-index plant: the next sub-block's scale."""
    return (idx + 1) % n_groups if PLANT == "scale-index" else idx


def f32(raw):
    return raw.copy().view("<f4").astype(np.float64)


def f16(raw):
    return raw.copy().view("<f2").astype(np.float64)


def bf16(raw):
    bits = raw.copy().view("<u2").astype(np.uint32) << 16
    return bits.view(np.float32).astype(np.float64)


def q8_0(raw):
    # fp16 d, then 32 signed bytes q; x = d * q.
    return halves(raw, 0)[:, None] * raw[:, 2:34].view(np.int8).astype(np.float64)


def q4_0(raw):
    # fp16 d, then 16 bytes of 4-bit q (lo_hi); x = d * (q - 8).
    return halves(raw, 0)[:, None] * (lo_hi(raw[:, 2:18]) - 8)


def q4_1(raw):
    # fp16 d, fp16 m, 16 bytes of 4-bit q; x = d * q + m.
    return halves(raw, 0)[:, None] * lo_hi(raw[:, 4:20]) + halves(raw, 2)[:, None]


def fifth_bits(raw, at):
    """Q5_0/Q5_1: a little-endian u32 whose bit j is element j's fifth bit."""
    qh = raw[:, at:at + 4].copy().view("<u4")[:, 0].astype(np.int64)
    return (qh[:, None] >> np.arange(32)) & 1


def q5_0(raw):
    # fp16 d, u32 qh, 16 bytes of low nibbles; q = low | fifth << 4; x = d * (q - 16).
    q = lo_hi(raw[:, 6:22]) | fifth_bits(raw, 2) << 4
    return halves(raw, 0)[:, None] * (q - 16)


def q5_1(raw):
    # fp16 d, fp16 m, u32 qh, 16 bytes of low nibbles; x = d * q + m.
    q = lo_hi(raw[:, 8:24]) | fifth_bits(raw, 4) << 4
    return halves(raw, 0)[:, None] * q + halves(raw, 2)[:, None]


IQ4NL = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113],
                 dtype=np.int64)


def iq4_nl(raw):
    # fp16 d, 16 bytes of 4-bit indices into IQ4NL; x = d * IQ4NL[q].
    return halves(raw, 0)[:, None] * IQ4NL[lo_hi(raw[:, 2:18])]


def crumbs(qs32, e):
    """Q2_K/Q3_K low bits.  Within each 128-element half, 32 bytes hold four
    2-bit fields each: element 32*j + l of the half (j < 4, l < 32) is bits
    2j, 2j+1 of byte l.  E is the element number within the super-block."""
    half, within = e // 128, e % 128
    j, l = within // 32, within % 32
    return (qs32[:, 32 * half + l] >> (2 * j)) & 3


def q2_k(raw):
    # scales[16] (low nibble: scale, high nibble: min, per 16 elements),
    # qs[64] (2-bit q), fp16 d, fp16 dmin; x = d*scale*q - dmin*min.
    e = np.arange(QK_K)
    g = shift_groups(e // 16, 16)
    sc = raw[:, 0:16].astype(np.int64)
    q = crumbs(raw[:, 16:80].astype(np.int64), e)
    d, dmin = halves(raw, 80)[:, None], halves(raw, 82)[:, None]
    return d * (sc[:, g] & 15) * q - dmin * (sc[:, g] >> 4)


def q3_k(raw):
    # hmask[32], qs[64], scales[12], fp16 d.  q = 2 low bits (as Q2_K) minus
    # 4 when the high bit is clear: element 32*j + l of half h has its high
    # bit at bit 4h + j of hmask[l].  Sixteen 6-bit scales per 16 elements:
    # the low 4 bits of scale i are the low nibbles of scales[0..7] (i < 8),
    # then the high nibbles (i >= 8); the top 2 bits come from scales[8..11],
    # byte 8 + i % 4, bits 2*(i // 4) and up.  x = d * (scale - 32) * q.
    e = np.arange(QK_K)
    b = raw[:, 96:108].astype(np.int64)
    i = np.arange(16)
    low4 = np.where(i < 8, b[:, i % 8] & 15, b[:, i % 8] >> 4)
    top2 = (b[:, 8 + i % 4] >> (2 * (i // 4))) & 3
    scale = (low4 | top2 << 4) - 32
    half, within = e // 128, e % 128
    j, l = within // 32, within % 32
    high = (raw[:, l].astype(np.int64) >> (4 * half + j)) & 1
    q = crumbs(raw[:, 32:96].astype(np.int64), e) - 4 * (1 - high)
    g = shift_groups(e // 16, 16)
    return halves(raw, 108)[:, None] * scale[:, g] * q


def k_scales_mins(b):
    """Q4_K/Q5_K: 12 bytes -> eight 6-bit scales and eight 6-bit mins.
    i < 4: scale = b[i] & 63, min = b[i+4] & 63.  i >= 4: the low 4 bits are
    b[i+4]'s low (scale) and high (min) nibbles; the top 2 bits are the top
    2 bits of b[i-4] (scale) and b[i] (min)."""
    b = b.astype(np.int64)
    sc = np.empty((b.shape[0], 8), dtype=np.int64)
    mn = np.empty_like(sc)
    sc[:, :4], mn[:, :4] = b[:, 0:4] & 63, b[:, 4:8] & 63
    sc[:, 4:] = (b[:, 8:12] & 15) | (b[:, 0:4] >> 6) << 4
    mn[:, 4:] = (b[:, 8:12] >> 4) | (b[:, 4:8] >> 6) << 4
    return sc, mn


def k_nibbles(qs):
    """Q4_K/Q5_K 4-bit fields: 128 bytes in four chunks of 32; within chunk c
    elements 64c + l are the low nibbles of bytes 32c + l, 64c + 32 + l the
    high nibbles."""
    e = np.arange(QK_K)
    c, r = e // 64, e % 64
    byte = qs[:, 32 * c + r % 32].astype(np.int64)
    return np.where(r < 32, byte & 15, byte >> 4)


def q4_k(raw):
    # fp16 d, fp16 dmin, scales[12], qs[128]; 32 elements per scale/min;
    # x = d * scale * q - dmin * min.
    sc, mn = k_scales_mins(raw[:, 4:16])
    g = shift_groups(np.arange(QK_K) // 32, 8)
    q = k_nibbles(raw[:, 16:144])
    return halves(raw, 0)[:, None] * sc[:, g] * q - halves(raw, 2)[:, None] * mn[:, g]


def q5_k(raw):
    # fp16 d, fp16 dmin, scales[12], qh[32], qs[128]; the fifth bit of
    # element e (32-element group k = e // 32) is bit k of qh[e % 32].
    sc, mn = k_scales_mins(raw[:, 4:16])
    e = np.arange(QK_K)
    g = shift_groups(e // 32, 8)
    fifth = (raw[:, 16 + e % 32].astype(np.int64) >> (e // 32)) & 1
    q = k_nibbles(raw[:, 48:176]) | fifth << 4
    return halves(raw, 0)[:, None] * sc[:, g] * q - halves(raw, 2)[:, None] * mn[:, g]


def q6_k(raw):
    # ql[128], qh[64], scales[16] (int8), fp16 d.  Per 128-element half h,
    # element 32r + l (r < 4, l < 32): low 4 bits from ql[64h + 32(r%2) + l]
    # (low nibble when r < 2), top 2 bits from qh[32h + l] bits 2r, 2r+1;
    # q = bits - 32; scale: one per 16 elements, in element order.
    # x = d * scale * q.
    e = np.arange(QK_K)
    h, w = e // 128, e % 128
    r, l = w // 32, w % 32
    lowbyte = raw[:, 64 * h + 32 * (r % 2) + l].astype(np.int64)
    low = np.where(r < 2, lowbyte & 15, lowbyte >> 4)
    top = (raw[:, 128 + 32 * h + l].astype(np.int64) >> (2 * r)) & 3
    q = (low | top << 4) - 32
    sc = raw[:, 192:208].view(np.int8).astype(np.int64)
    g = shift_groups(e // 16, 16)
    return halves(raw, 208)[:, None] * sc[:, g] * q


def iq4_xs(raw):
    # fp16 d, u16 scales_h, scales_l[4], qs[128].  Eight 32-element groups,
    # each with a 6-bit scale: low 4 bits the nibble g % 2 of scales_l[g // 2],
    # top 2 bits bits 2g, 2g+1 of scales_h; each group's 16 bytes of qs are
    # IQ4_NL's packing.  x = d * (scale - 32) * IQ4NL[q].
    gi = np.arange(8)
    sh = raw[:, 2:4].copy().view("<u2")[:, 0].astype(np.int64)
    sl = raw[:, 4:8].astype(np.int64)
    scale = (((sl[:, gi // 2] >> (4 * (gi % 2))) & 15) | ((sh[:, None] >> (2 * gi)) & 3) << 4) - 32
    idx = np.concatenate([lo_hi(raw[:, 8 + 16 * k:24 + 16 * k]) for k in range(8)], axis=1)
    g = shift_groups(np.arange(QK_K) // 32, 8)
    return halves(raw, 0)[:, None] * scale[:, g] * IQ4NL[idx]


# name: (ggml's type number, elements per block, bytes per block, function)
TYPES = {
    "F32": (0, 1, 4, f32), "F16": (1, 1, 2, f16), "BF16": (30, 1, 2, bf16),
    "Q8_0": (8, 32, 34, q8_0), "Q4_0": (2, 32, 18, q4_0), "Q4_1": (3, 32, 20, q4_1),
    "Q5_0": (6, 32, 22, q5_0), "Q5_1": (7, 32, 24, q5_1),
    "Q2_K": (10, QK_K, 84, q2_k), "Q3_K": (11, QK_K, 110, q3_k), "Q4_K": (12, QK_K, 144, q4_k),
    "Q5_K": (13, QK_K, 176, q5_k), "Q6_K": (14, QK_K, 210, q6_k),
    "IQ4_NL": (20, 32, 18, iq4_nl), "IQ4_XS": (23, QK_K, 136, iq4_xs),
}


def dequantize(name, data):
    """Bytes DATA of type NAME -> exact float64 values, flat."""
    _, elems, nbytes, fn = TYPES[name]
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, nbytes)
    if PLANT == "swap-nibbles":
        raw = ((raw >> 4) | (raw << 4)).astype(np.uint8)
    return fn(raw).reshape(-1)


def check(folder):
    bad = 0
    with open(os.path.join(folder, "manifest.txt")) as f:
        rows = [line.split() for line in f if line.strip()]
    for name, tid, elems, nbytes, nblocks in rows:
        want = TYPES.get(name)
        if want is None or want[:3] != (int(tid), int(elems), int(nbytes)):
            print(f"{name}: the dump's row ({tid}, {elems}, {nbytes}) is not the format's {want and want[:3]}")
            bad += 1
            continue
        with open(os.path.join(folder, name + ".blocks"), "rb") as f:
            data = f.read()
        got = np.fromfile(os.path.join(folder, name + ".f32"), dtype="<f4")
        n = int(nblocks) * int(elems)
        if len(data) != int(nblocks) * int(nbytes) or got.size != n:
            print(f"{name}: sizes: {len(data)} bytes, {got.size} floats for {nblocks} blocks")
            bad += 1
            continue
        ref = dequantize(name, data).astype(np.float32)
        diff = np.flatnonzero(ref.view("<u4") != got.view("<u4"))
        if diff.size:
            i = diff[0]
            print(f"{name}: {diff.size} of {n} values DIFFER in some bit; first at element {i} "
                  f"(block {i // int(elems)}): attnscope {got[i]!r}, reference {ref[i]!r}")
            bad += 1
        else:
            print(f"{name}: {nblocks} blocks, {n} values equal bit for bit "
                  f"(largest |value| {float(np.abs(ref).max()):.6g})")
    return 1 if bad else 0


GGUF_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def gguf_tensors(path):
    """The tensors of the GGUF file PATH: [(name, type id, n_elements, raw bytes)]."""
    data = open(path, "rb").read()
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", data, 0)
    if magic != b"GGUF" or version not in (2, 3):
        raise ValueError(f"{path}: not a GGUF v2/v3 file")
    off = 24

    def string(o):
        (n,) = struct.unpack_from("<Q", data, o)
        return data[o + 8:o + 8 + n], o + 8 + n

    def skip(t, o):
        if t == 8:
            return string(o)[1]
        if t == 9:
            et, n = struct.unpack_from("<IQ", data, o)
            o += 12
            for _ in range(n):
                o = skip(et, o)
            return o
        return o + GGUF_SIZES[t]

    align = 32
    for _ in range(n_kv):
        key, off = string(off)
        (t,) = struct.unpack_from("<I", data, off)
        if key == b"general.alignment":
            (align,) = struct.unpack_from("<I", data, off + 4)
        off = skip(t, off + 4)
    infos = []
    for _ in range(n_tensors):
        name, off = string(off)
        (nd,) = struct.unpack_from("<I", data, off)
        dims = struct.unpack_from(f"<{nd}Q", data, off + 4)
        t, o = struct.unpack_from("<IQ", data, off + 4 + 8 * nd)
        off += 4 + 8 * nd + 12
        infos.append((name.decode(), t, int(np.prod(dims)), o))
    base = (off + align - 1) // align * align
    by_id = {v[0]: k for k, v in TYPES.items()}
    out = []
    for name, t, count, o in infos:
        _, elems, nbytes, _ = TYPES[by_id[t]]
        out.append((name, t, count, data[base + o:base + o + count // elems * nbytes]))
    return out


def check_file(path, folder):
    bad = 0
    by_id = {v[0]: k for k, v in TYPES.items()}
    with open(os.path.join(folder, "manifest.txt")) as f:
        rows = [line.split() for line in f if line.strip()]
    tensors = gguf_tensors(path)
    if len(rows) != len(tensors):
        print(f"{path}: {len(tensors)} tensors, the dump has {len(rows)}")
        return 1
    counts = {}
    for i, ((name, t, count, data), row) in enumerate(zip(tensors, rows)):
        tname = by_id[t]
        if row != [name, tname, str(count)]:
            print(f"tensor {i}: the dump says {row}, the file {name} {tname} {count}")
            bad += 1
            continue
        got = np.fromfile(os.path.join(folder, f"{i}.f32"), dtype="<f4")
        ref = dequantize(tname, data).astype(np.float32)
        if got.size != ref.size or np.any(ref.view("<u4") != got.view("<u4")):
            diff = np.flatnonzero(ref.view("<u4") != got.view("<u4")) if got.size == ref.size else [0]
            print(f"{name} ({tname}): {len(diff)} of {count} values differ in some bit")
            bad += 1
        counts[tname] = counts.get(tname, 0) + 1
    if not bad:
        print("every tensor equal bit for bit: " +
              ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return 1 if bad else 0


def main(argv):
    global PLANT
    args = argv[1:]
    if len(args) >= 3 and args[0] == "--plant" and args[1] in ("swap-nibbles", "scale-index"):
        PLANT = args[1]
        args = args[2:]
    if len(args) == 3 and args[0] == "--file":
        try:
            return check_file(args[1], args[2])
        except (OSError, ValueError, KeyError, struct.error) as e:
            print(f"dequant.py: {e}", file=sys.stderr)
            return 2
    if len(args) != 1:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        return check(args[0])
    except OSError as e:
        print(f"dequant.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
