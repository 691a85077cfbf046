# lib.sh - what run.sh and replay.sh share: finding clang, building the
# harnesses straight from the sources (not through automake), and writing
# the seed corpora.  Sourced; expects FUZZ_SRCDIR (the top of the source
# tree) and FUZZ_OUT (where to build) to be set.

FUZZ_HARNESSES="fuzz_gguf fuzz_dequant fuzz_tokenizer fuzz_tokenizer_bpe fuzz_config fuzz_keys"
FUZZ_CC=${FUZZ_CC:-clang}

# The tokenizer is a module and its kinds (tokenizer_*.c).
TOKENIZER="tokenizer tokenizer_spm tokenizer_bpe tokenizer_wpm tokenizer_wpm_tables"
CORE_ALL="error utf8 ggml_type gguf $TOKENIZER arch model attention trace forward run importance induction flow analysis lesson"
UI_ALL="keymap app_state scene worker ui_text"

# Sources of each harness: core modules, then ui modules.
fuzz_core_of() {
    case $1 in
    fuzz_gguf) echo "$CORE_ALL" ;;
    fuzz_dequant) echo "error utf8 ggml_type gguf $TOKENIZER arch model" ;;
    fuzz_tokenizer) echo "error utf8 ggml_type gguf $TOKENIZER" ;;
    fuzz_tokenizer_bpe) echo "error utf8 ggml_type gguf $TOKENIZER" ;;
    fuzz_config) echo "error utf8 config" ;;
    fuzz_keys) echo "$CORE_ALL" ;;
    esac
}
fuzz_ui_of() {
    case $1 in
    fuzz_keys) echo "$UI_ALL" ;;
    esac
}
# Test helpers a harness links from tests/ (fuzz_dequant builds its GGUF files).
fuzz_tests_of() {
    case $1 in
    fuzz_dequant | fuzz_tokenizer_bpe) echo "gguf_writer" ;;
    esac
}

# The libraries the core needs, from pkg-config where it knows them.
fuzz_libs_setup() {
    if pkg-config --exists openblas 2>/dev/null; then
        BLAS_CFLAGS=$(pkg-config --cflags openblas)
        BLAS_LIBS=$(pkg-config --libs openblas)
    elif pkg-config --exists cblas 2>/dev/null; then
        BLAS_CFLAGS=$(pkg-config --cflags cblas)
        BLAS_LIBS=$(pkg-config --libs cblas)
    else
        BLAS_CFLAGS=
        BLAS_LIBS=-lopenblas
    fi
    if pkg-config --exists iniparser 2>/dev/null; then
        INI_CFLAGS=$(pkg-config --cflags iniparser)
        INI_LIBS=$(pkg-config --libs iniparser)
    else
        INI_CFLAGS=-I/usr/include/iniparser
        INI_LIBS=-liniparser
    fi
    PCRE2_LIBS=$(pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
}

# fuzz_probe SANITIZERS: can clang build and run a program with them?
# (For the fuzzer runtime the probe only links: running needs an input.)
fuzz_probe() {
    command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
    probe_dir=$FUZZ_OUT/probe
    mkdir -p "$probe_dir" || return 1
    cat > "$probe_dir/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(n && d[0] == 7) * 0; }
#ifndef WITH_FUZZER
int main(void) { return LLVMFuzzerTestOneInput((const uint8_t *)"", 0); }
#endif
EOF
    case $1 in
    *fuzzer*) "$FUZZ_CC" -DWITH_FUZZER -fsanitize="$1" "$probe_dir/probe.c" \
                  -o "$probe_dir/probe" >"$probe_dir/log" 2>&1 ;;
    *) "$FUZZ_CC" -fsanitize="$1" "$probe_dir/probe.c" -o "$probe_dir/probe" \
           >"$probe_dir/log" 2>&1 && "$probe_dir/probe" ;;
    esac
}

# fuzz_build MODE OUTDIR: MODE "fuzzer" links libFuzzer; "standalone" links
# standalone_main.c instead.  Objects are shared between harnesses; a
# source is recompiled only when it (or any header) is newer.
fuzz_build() {
    mode=$1 outdir=$2
    if [ "$mode" = fuzzer ]; then
        san="fuzzer-no-link,address,undefined"
        san="$san -fsanitize-coverage-ignorelist=$FUZZ_SRCDIR/tests/fuzz/coverage-ignore.txt"
        link_san=fuzzer,address,undefined
    else
        san=address,undefined link_san=address,undefined
    fi
    mkdir -p "$outdir/obj" || return 1
    fuzz_libs_setup
    src=$FUZZ_SRCDIR
    cflags="-g -O1 -std=c11 -fno-omit-frame-pointer -fno-sanitize-recover=all -fsanitize=$san"
    incs="-I$src/src/core -I$src/src/ui -I$src/tests -I$src/tests/fuzz $BLAS_CFLAGS $INI_CFLAGS"
    newest_h=$(ls -t "$src"/src/core/*.h "$src"/src/ui/*.h "$src"/tests/*.h \
                   "$src"/tests/fuzz/*.h 2>/dev/null | head -n 1)
    # compile SRC OBJ EXTRA_DEFINES
    compile() {
        if [ -f "$2" ] && [ "$2" -nt "$1" ] && [ "$2" -nt "$newest_h" ] &&
           [ "$2" -nt "$src/tests/fuzz/lib.sh" ] &&
           [ "$2" -nt "$src/tests/fuzz/coverage-ignore.txt" ]; then
            return 0
        fi
        # shellcheck disable=SC2086
        nice -n 10 "$FUZZ_CC" $cflags $3 $incs -c "$1" -o "$2"
    }
    for h in $FUZZ_HARNESSES; do
        objs=
        for m in $(fuzz_core_of "$h"); do
            compile "$src/src/core/$m.c" "$outdir/obj/core_$m.o" "-D_DEFAULT_SOURCE" || return 1
            objs="$objs $outdir/obj/core_$m.o"
        done
        for m in $(fuzz_ui_of "$h"); do
            compile "$src/src/ui/$m.c" "$outdir/obj/ui_$m.o" \
                "-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600 -pthread" || return 1
            objs="$objs $outdir/obj/ui_$m.o"
        done
        for m in $(fuzz_tests_of "$h"); do
            compile "$src/tests/$m.c" "$outdir/obj/$m.o" "-D_DEFAULT_SOURCE" || return 1
            objs="$objs $outdir/obj/$m.o"
        done
        compile "$src/tests/fuzz/$h.c" "$outdir/obj/$h.o" \
            "-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600 -pthread" || return 1
        objs="$objs $outdir/obj/$h.o"
        if [ "$mode" = standalone ]; then
            compile "$src/tests/fuzz/standalone_main.c" "$outdir/obj/standalone_main.o" \
                "-D_DEFAULT_SOURCE" || return 1
            objs="$objs $outdir/obj/standalone_main.o"
        fi
        # shellcheck disable=SC2086
        nice -n 10 "$FUZZ_CC" -fsanitize=$link_san -pthread $objs -o "$outdir/$h" \
            $BLAS_LIBS $INI_LIBS $PCRE2_LIBS -lm || return 1
    done
    # The seed writer: a plain program, with the sanitizers to catch its own slips.
    for m in error utf8 ggml_type gguf; do
        compile "$src/src/core/$m.c" "$outdir/obj/core_$m.o" "-D_DEFAULT_SOURCE" || return 1
    done
    compile "$src/tests/gguf_writer.c" "$outdir/obj/gguf_writer.o" "-D_DEFAULT_SOURCE" || return 1
    for seed in seed_gguf seed_dequant; do
        compile "$src/tests/fuzz/$seed.c" "$outdir/obj/$seed.o" "-D_DEFAULT_SOURCE" || return 1
        # shellcheck disable=SC2086
        nice -n 10 "$FUZZ_CC" -fsanitize=address,undefined "$outdir/obj/$seed.o" \
            "$outdir/obj/gguf_writer.o" "$outdir/obj/core_error.o" "$outdir/obj/core_utf8.o" \
            "$outdir/obj/core_ggml_type.o" "$outdir/obj/core_gguf.o" -o "$outdir/$seed" -lm ||
            return 1
    done
}

# Where ../shared is: $ATTNSCOPE_SHARED, else beside the source tree.
fuzz_shared_dir() {
    if [ -n "${ATTNSCOPE_SHARED:-}" ]; then
        echo "$ATTNSCOPE_SHARED"
    else
        echo "$FUZZ_SRCDIR/../shared"
    fi
}

# key KIND MODS B2 B3: one 4-byte key event of fuzz_keys (numbers, decimal).
key() {
    printf "\\$(printf %03o "$1")\\$(printf %03o "$2")\\$(printf %03o "$3")\\$(printf %03o "$4")"
}
# ch C: the ASCII character C as a key event.
ch() {
    key 0 0 "$(printf %d "'$1")" 0
}
chars() {
    s=$1
    while [ -n "$s" ]; do
        c=${s%"${s#?}"}
        s=${s#?}
        ch "$c"
    done
}

# fuzz_seeds BIN_DIR SEED_DIR: write the seed corpus of every harness.
fuzz_seeds() {
    bin=$1 seeds=$2
    shared=$(fuzz_shared_dir)
    rm -rf "$seeds"
    for h in $FUZZ_HARNESSES; do mkdir -p "$seeds/$h" || return 1; done

    # GGUF: small valid files, and the reference model when it is there.
    ASAN_OPTIONS=detect_leaks=0 "$bin/seed_gguf" "$seeds/fuzz_gguf" || return 1
    if [ -f "$shared/models/ref260K.gguf" ]; then
        cp "$shared/models/ref260K.gguf" "$seeds/fuzz_gguf/ref260K.gguf"
        chmod u+w "$seeds/fuzz_gguf/ref260K.gguf"
    fi

    # Dequantizers: one block of each type, and blocks with inf and NaN scales.
    ASAN_OPTIONS=detect_leaks=0 "$bin/seed_dequant" "$seeds/fuzz_dequant" || return 1

    # Tokenizer: the golden sentences, a slice of the corpus, edge cases.
    t=$seeds/fuzz_tokenizer
    i=0
    for f in "$shared"/golden/*.json; do
        [ -f "$f" ] || continue
        i=$((i + 1))
        if command -v python3 >/dev/null 2>&1; then
            python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["text"])' \
                "$f" > "$t/golden-$i" 2>/dev/null || rm -f "$t/golden-$i"
        fi
        [ -f "$t/golden-$i" ] ||
            sed -n 's/.*"text":"\([^"]*\)".*/\1/p' "$f" | tr -d '\n' > "$t/golden-$i"
    done
    if [ -f "$shared/corpus/tinystories-valid.txt" ]; then
        head -c 1500 "$shared/corpus/tinystories-valid.txt" > "$t/corpus-1500"
        head -n 3 "$shared/corpus/tinystories-valid.txt" | tail -n 1 > "$t/corpus-line3"
    fi
    printf 'The cat sat on the mat because it was tired.' > "$t/cat"
    printf 'Caf\303\251 d\303\251j\303\240 vu \342\200\224 na\303\257ve \360\237\230\200.' > "$t/utf8"
    printf '  two  spaces\tand a tab\nand a newline ' > "$t/spaces"
    printf 'bad \377\376 bytes \303 cut \342\226 and \355\240\200 surrogate' > "$t/invalid"
    printf '\342\226\201 literal marks \342\226\201\342\226\201' > "$t/marks"
    printf '<0x41> <s> </s> <unk>' > "$t/pieces"
    : > "$t/empty"
    # Byte-level BPE and WordPiece: the same texts behind each selector byte
    # (0-4 the pre-tokenizers, 5 WordPiece), and contractions, digits, code.
    b=$seeds/fuzz_tokenizer_bpe
    printf "it's 12345 they'll  \t\n def f(x): return x**2 # \360\237\230\200 \344\275\240\345\245\275" > "$t/bpe-mix"
    for f in "$t"/*; do
        for k in 0 1 2 3 4 5; do
            { printf "\\$(printf '%03o' "$k")"; cat "$f"; } > "$b/$k-$(basename "$f")"
        done
    done

    # Config: good files, and every kind of complaint.
    c=$seeds/fuzz_config
    cat > "$c/good.ini" <<'EOF'
[attnscope]
model = /path/to/model.gguf
text = The cat sat on the mat because it was tired.
palette = auto        ; auto, truecolor, 256, 8, mono, ascii
values = false        ; numbers in the heatmap cells
EOF
    cat > "$c/quoted.ini" <<'EOF'
# comment
[AttnScope]
Text = "Tom gave Sue the ball ; because she asked."
PALETTE = 'mono'
values = on
model = model.gguf \
continued
EOF
    cat > "$c/bad.ini" <<'EOF'
stray = outside
[other]
model = x
[attnscope]
palette = purple
values = maybe
text =
colour = red
just words
[bad:section]
text = hidden
[]
= no key
[attnscope
EOF
    printf '[attnscope]\ntext = caf\303\251 \377 bad\nmodel = a\000b\n' > "$c/bytes.ini"
    printf '[attnscope]\r\ntext = crlf\r\npalette = 256\r\n' > "$c/crlf.ini"
    { printf '[attnscope]\ntext = '; head -c 1100 /dev/zero | tr '\0' x; printf '\n'; } \
        > "$c/long.ini"
    : > "$c/empty.ini"

    # Keys: moving about, every view, editing, help and the overview.
    k=$seeds/fuzz_keys
    { key 2 0 0 0; key 1 0 0 0; key 1 1 0 0; key 9 0 0 0; key 9 1 0 0; key 8 0 0 0
      key 7 0 0 0; key 5 0 0 0; key 6 0 0 0; } > "$k/move"
    { chars 'hjkl,.<>gG[]np'; } > "$k/letters"
    { chars 'amxtvc'; key 9 0 0 0; chars 'c'; key 11 0 0 0; } > "$k/views"
    { chars 'e'; chars ' and then?'; key 12 0 0 0; key 1 4 0 0; key 13 0 0 0
      key 0 0 195 169; key 0 0 255 195; key 0 0 240 0; key 10 0 0 0; } > "$k/edit"
    { chars 'e'; key 5 0 0 0; key 13 0 0 0; key 13 0 0 0; key 6 0 0 0; key 12 0 0 0
      key 0 4 99 0; } > "$k/edit-ends"
    { chars 'o'; key 2 0 0 0; key 4 0 0 0; chars '?'; key 0 0 120 0; key 10 0 0 0
      chars 'o'; key 11 0 0 0; chars 'q'; } > "$k/overview"
    { key 0 4 108 0; chars '?'; chars 'q'; } > "$k/help-quit"
}
