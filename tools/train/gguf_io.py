"""Minimal GGUF v3 reader/writer (little-endian), written for attnscope's
model export. Only the value types and tensor types we need (F32, F16)."""
import struct
import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32

# metadata value types
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, \
    T_STRING, T_ARRAY, T_UINT64, T_INT64, T_FLOAT64 = range(13)
_SCALAR = {T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h",
           T_UINT32: "<I", T_INT32: "<i", T_FLOAT32: "<f", T_BOOL: "<?",
           T_UINT64: "<Q", T_INT64: "<q", T_FLOAT64: "<d"}
# tensor types
GGML_F32, GGML_F16 = 0, 1
_NP = {GGML_F32: np.float32, GGML_F16: np.float16}


class Writer:
    """Collect key/values and tensors, then write(path)."""

    def __init__(self):
        self.kv = []        # (key, type, value, elem_type)
        self.tensors = []   # (name, np array in ggml layout, ggml type)

    def add(self, key, vtype, value, elem_type=None):
        self.kv.append((key, vtype, value, elem_type))

    def add_tensor(self, name, arr, ggml_type=GGML_F32):
        self.tensors.append((name, np.ascontiguousarray(arr, dtype=_NP[ggml_type]), ggml_type))

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def _val(self, vtype, v, elem_type=None):
        if vtype == T_STRING:
            return self._str(v)
        if vtype == T_ARRAY:
            out = struct.pack("<IQ", elem_type, len(v))
            if elem_type in _SCALAR:
                return out + np.asarray(v, dtype=np.dtype(_SCALAR[elem_type])).tobytes()
            return out + b"".join(self._val(elem_type, x) for x in v)
        return struct.pack(_SCALAR[vtype], v)

    def write(self, path):
        head = [GGUF_MAGIC, struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv))]
        for k, t, v, et in self.kv:
            head += [self._str(k), struct.pack("<I", t), self._val(t, v, et)]
        offset = 0
        offsets = []
        for name, arr, gt in self.tensors:
            # ne[0] is the fastest-varying (last numpy) axis
            ne = list(reversed(arr.shape))
            head += [self._str(name), struct.pack("<I", len(ne)),
                     struct.pack("<%dQ" % len(ne), *ne), struct.pack("<IQ", gt, offset)]
            offsets.append(offset)
            offset += arr.nbytes
            offset += (-offset) % ALIGNMENT
        blob = b"".join(head)
        blob += b"\0" * ((-len(blob)) % ALIGNMENT)
        with open(path, "wb") as f:
            f.write(blob)
            base = f.tell()
            for (name, arr, gt), off in zip(self.tensors, offsets):
                f.write(b"\0" * (base + off - f.tell()))
                f.write(arr.tobytes())
            f.write(b"\0" * ((-f.tell()) % ALIGNMENT))


def read(path):
    """Return (metadata dict, {name: np array with numpy shape = reversed ne})."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        r = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return r if len(r) > 1 else r[0]

    def rstr():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def rval(t):
        nonlocal pos
        if t == T_STRING:
            return rstr()
        if t == T_ARRAY:
            et, n = take("<IQ")
            if et in _SCALAR:
                dt = np.dtype(_SCALAR[et])
                a = np.frombuffer(data, dtype=dt, count=n, offset=pos)
                pos += n * dt.itemsize
                return a.tolist()
            return [rval(et) for _ in range(n)]
        return take(_SCALAR[t])

    assert data[:4] == GGUF_MAGIC, "not a GGUF file"
    pos = 4
    version, n_t, n_kv = take("<IQQ")
    assert version == 3, version
    meta, types = {}, {}
    for _ in range(n_kv):
        k = rstr()
        t = take("<I")
        if t == T_ARRAY:
            types[k] = (t, struct.unpack_from("<I", data, pos)[0])
        else:
            types[k] = (t, None)
        meta[k] = rval(t)
    infos = []
    for _ in range(n_t):
        name = rstr()
        nd = take("<I")
        ne = [take("<Q") for _ in range(nd)]
        gt, off = take("<IQ")
        infos.append((name, ne, gt, off))
    align = meta.get("general.alignment", ALIGNMENT)
    base = pos + (-pos) % align
    tensors = {}
    for name, ne, gt, off in infos:
        dt = np.dtype(_NP[gt])
        cnt = int(np.prod(ne))
        tensors[name] = np.frombuffer(data, dtype=dt, count=cnt,
                                      offset=base + off).reshape(list(reversed(ne)))
    meta["__version__"] = version
    meta["__types__"] = types
    return meta, tensors
