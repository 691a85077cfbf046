#!/bin/sh
# test_cli.sh - the command line as a user meets it: help, errors and exit
# statuses, --info, --dump csv/json shapes, the context limit, text from stdin.
bin=${ATTNSCOPE_BIN:-../src/attnscope}
shared=${ATTNSCOPE_SHARED:-../shared}
model=$shared/models/ref260K.gguf
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { # ok CONDITION-STATUS DESCRIPTION
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
run() { # run ARGS...: sets $rc, $tmp/out, $tmp/err
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
}

run --help
[ $rc -eq 0 ] && grep -q -- '--dump FORMAT' "$tmp/out" && grep -q -- '--model FILE' "$tmp/out"
ok $? "--help exits 0 and lists the options"
run --version
[ $rc -eq 0 ] && grep -Eq '^attnscope [0-9]+\.[0-9]+' "$tmp/out"
ok $? "--version prints the version"
run --no-such-option
[ $rc -eq 2 ] && grep -q 'attnscope --help' "$tmp/err"
ok $? "an unknown option exits 2 and points at --help"
run --dump xml --model x.gguf
[ $rc -eq 2 ] && grep -q "json, csv, svg, heads, importance or logits, not 'xml'" "$tmp/err"
ok $? "--dump with a bad format exits 2 naming it"
ATTNSCOPE_MODEL=$tmp/elsewhere.gguf XDG_CONFIG_HOME=$tmp/none "$bin" --info >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "$tmp/elsewhere.gguf" "$tmp/err"
ok $? "ATTNSCOPE_MODEL names the model when --model does not (a missing one: exit 1 naming it)"
run --info --model "$tmp/missing.gguf"
[ $rc -eq 1 ] && grep -q "$tmp/missing.gguf" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]
ok $? "a missing model file exits 1 with one line naming it"
printf 'not a model at all, just text\n' >"$tmp/bad.gguf"
run --info --model "$tmp/bad.gguf"
[ $rc -eq 1 ] && grep -q "$tmp/bad.gguf" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]
ok $? "a file that is not GGUF exits 1 with one line naming it"
# No --model, no config, no ATTNSCOPE_MODEL: the bundled model.
XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL= "$bin" --info >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && grep -q '^name: *tinystories-2m$' "$tmp/out" && grep -q '^layers: *6$' "$tmp/out"
ok $? "--info with no --model describes the bundled tinystories-2m"

# --help against the sources: every long option of main.c's getopt table
# in --help and in the man page's COMMANDS or OPTIONS; every row of the
# keymap's help (src/ui/keymap.c: the table the explorer's ? shows) in
# --help, its description on a line that names each of its keys.
src=${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}
run --help
cp "$tmp/out" "$tmp/help"
sed 's/\\-/-/g' "$src/doc/attnscope.1" |
    awk '/^\.SH (COMMANDS|OPTIONS)/ { on = 1; next } /^\.SH/ { on = 0 } on' >"$tmp/man-options"
longopts=$(sed -n '/struct option longopts/,/{NULL, 0, NULL, 0}/p' "$src/src/main.c" |
    grep -o '{"[a-z-]*", *[a-z_]*_argument' | sed 's/{"\([a-z-]*\)".*/\1/')
missing=""
for o in $longopts; do
    grep -Eq -- "--$o([^a-z-]|\$)" "$tmp/help" || missing="$missing --help:--$o"
    grep -Eq -- "--$o([^a-z-]|\$)" "$tmp/man-options" || missing="$missing man:--$o"
done
[ "$(echo "$longopts" | wc -w)" -ge 15 ] && [ -z "$missing" ]
ok $? "every long option of main.c is in --help and the man page's OPTIONS/COMMANDS${missing:+ (missing:$missing)}"
# Rows: KEYS1("keys", ACT, "what"), KEYS2("keys", "keys", ACT, ACT, "what"),
# {HELP_TEXT or HELP_ANY, {"words", NULL}, ..., "what"}.
awk -F '"' '/^ *KEYS1\(/ { print $2 "\t" $4 } /^ *KEYS2\(/ { print $2 " " $4 "\t" $6 }
            /^ *\{HELP_(TEXT|ANY), / { print "\t" $4 }' "$src/src/ui/keymap.c" >"$tmp/rows"
bad=$(awk -F '\t' -v help="$tmp/help" '
    BEGIN { while ((getline l < help) > 0) lines[++n] = l }
    { rows++; found = 0
      for (i = 1; i <= n && !found; i++) {
          at = index(lines[i], "  " $2); if (!at || $2 == "") continue
          # The keys column, "a/b" pairs opened out: a, b, and b with the
          # modifiers of a ("Ctrl-D/U" names Ctrl-D and Ctrl-U).
          split(substr(lines[i], 1, at), words, " "); delete have
          for (w in words) { have[words[w]] = 1; k = split(words[w], ab, "/"); have[ab[1]] = 1
              if (k == 2) { p = ab[1]; sub(/[^-]*$/, "", p); have[ab[2]] = 1; have[p ab[2]] = 1 } }
          all = 1; m = split($1, names, " ")
          for (j = 1; j <= m; j++) if (!(names[j] in have)) all = 0
          found = all }
      if (!found) { printf "%s[%s] ", $2, $1; miss++ } }
    END { if (rows < 40) print "only " rows " rows read" }' "$tmp/rows")
[ -z "$bad" ]
ok $? "every row of the keymap's help is in --help with all its keys${bad:+ (missing: $bad)}"

# --layer, --head, --query open the explorer there; out of range is --dump's
# one-line error, before any terminal is needed.
bundled=$src/data/tinystories-2m.gguf
run --model "$bundled" --dump json -l 99 -H 0
cp "$tmp/err" "$tmp/dump-err"
run --model "$bundled" -l 99
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && cmp -s "$tmp/err" "$tmp/dump-err" &&
    grep -q 'layer 99 / head 0: the model has layers 0..5 and heads 0..4' "$tmp/err"
ok $? "-l 99 (the explorer): exit 2 with --dump's one line naming the layers"
run --model "$bundled" -l 0 -H 5
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'heads 0..4' "$tmp/err"
ok $? "-H 5 (the explorer): exit 2 with one line naming the heads"
run --model "$bundled" -q 12
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- '--query 12: the text has tokens 0..11' "$tmp/err"
ok $? "-q 12 (the explorer, 12 tokens): exit 2 with one line naming the tokens"
run --model "$bundled" -q -1
[ $rc -eq 2 ] && grep -q -- "--query takes a token number from 0 or a word, not '-1'" "$tmp/err"
ok $? "-q -1: exit 2, neither a token number nor a word"
run --model "$bundled" --dump json -l 0 -H 2 -q it
[ $rc -eq 0 ] && grep -q '"query":8,"math"' "$tmp/out"
ok $? "--dump json -q it: the query is token 8, the first word starting with 'it'"
run --model "$bundled" --dump json -l 0 -H 2 -q 8
cp "$tmp/out" "$tmp/q8"
run --model "$bundled" --dump json -l 0 -H 2 -q IT
[ $rc -eq 0 ] && cmp -s "$tmp/out" "$tmp/q8"
ok $? "--dump json -q IT (case folded) prints what -q 8 does"
run --model "$bundled" --dump json -l 0 -H 2 -q zebra
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "--query 'zebra': no word of the text starts with it" "$tmp/err"
ok $? "--dump json -q zebra: exit 2 with one line"

run --layer x --dump json --model "$model"
[ $rc -eq 2 ] && grep -q -- "--layer takes a number" "$tmp/err"
ok $? "a non-numeric --layer exits 2"

if [ ! -f "$model" ]; then
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do n=$((n + 1)); echo "ok $n # SKIP ../shared not found ($model)"; done
    echo "1..$n"
    exit 0
fi

run --info --model "$model"
[ $rc -eq 0 ] && grep -q '^layers: *5$' "$tmp/out" && grep -q '^heads: *8$' "$tmp/out" &&
    grep -q '^kv heads: *4$' "$tmp/out" && grep -q '^vocabulary: *512$' "$tmp/out" &&
    grep -q '^context: *512$' "$tmp/out" && grep -q '^head size: *8$' "$tmp/out" &&
    grep -q '^tensors: *47 (47 F32)$' "$tmp/out"
ok $? "--info describes ref260K: 5 layers, 8 heads, 4 kv heads, head size 8, 512 vocabulary and context"

# "The cat sat." is <s> ▁The ▁c at ▁s at . = 7 tokens.
run --model "$model" --text "The cat sat." --dump csv --layer 2 --head 1
[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 8 ] &&
    awk -F, 'NR == 1 && NF != 8 { exit 1 } NR > 1 { s = 0; for (i = 2; i <= NF; i++) s += $i;
             if (s < 0.9999 || s > 1.0001 || NF != 8) exit 1; if (NR == 2 && $3 != 0) exit 1 }' "$tmp/out"
ok $? "--dump csv prints 7x7 probabilities with labels, rows summing to 1, the mask at 0"
head -n 1 "$tmp/out" | grep -q '^query\\key,<s>,▁The,▁c,at,▁s,at,\.$'
ok $? "--dump csv header holds the token pieces"

run --model "$model" --dump csv
[ $rc -eq 2 ] && grep -q 'needs\|give --layer' "$tmp/err"
ok $? "--dump csv without a head exits 2"
run --model "$model" --dump json --layer 5 --head 0
[ $rc -eq 2 ] && grep -q 'layers 0..4' "$tmp/err"
ok $? "a layer out of range exits 2 naming the valid range"

run --model "$model" --text "a b" --dump json --layer 0 --head 3
[ $rc -eq 0 ] && grep -q '"tokens":\[1,261,270\]' "$tmp/out" && grep -q '"spans":\[\[0,0\],\[0,1\],\[1,3\]\]' "$tmp/out" &&
    grep -q '"layer":0,"head":3,"attention":\[\[1,0,0\],\[' "$tmp/out"
ok $? "--dump json for one head: ids, spans and a 3x3 matrix"

run --model "$model" --text 'a <b> & "c"' --dump svg --layer 1 --head 2
cells=$(grep -c '<rect class="cell"' "$tmp/out")
# 11 tokens: <s> ▁a ▁ < b > ▁ <0x26> ▁" c "
[ $rc -eq 0 ] && [ "$cells" -eq 121 ] && grep -q '>&lt;</text>' "$tmp/out" && grep -q '>&lt;0x26&gt;</text>' "$tmp/out" &&
    grep -q '>▁&quot;</text>' "$tmp/out" && { ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$tmp/out"; }
ok $? "--dump svg: 11x11 cells, markup in the pieces escaped, well-formed (xmllint when installed)"
printf 'bad \001\377 bytes' >"$tmp/ctl.txt"
run --model "$model" --text-file "$tmp/ctl.txt" --dump svg --layer 0 --head 0
[ $rc -eq 0 ] && { ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$tmp/out"; }
ok $? "--dump svg: control characters and invalid UTF-8 in pieces still give well-formed XML"

run --model "$model" --dump heads
[ $rc -eq 0 ] && [ "$(grep -Ec '^ +[0-4] +[0-7]  (previous-token|self|first-token|broad|content) ' "$tmp/out")" -eq 40 ]
ok $? "--dump heads: a pattern line for each of the 40 heads"

# --dump logits: a comment, then every logit of the last position, in
# vocabulary order: the five largest are --dump json's top five.
run --model "$model" --text "The cat sat" --dump logits
cp "$tmp/out" "$tmp/logits"
run --model "$model" --text "The cat sat" --dump json
want=$(sed -n 's/.*"top_ids":\[\([0-9,]*\)\].*/\1/p' "$tmp/out")
got=$(sed 1d "$tmp/logits" | awk '{ print NR - 1, $1 }' | sort -k2,2 -g -r | head -5 | awk '{ print $1 }' | paste -sd, -)
[ "$(head -1 "$tmp/logits" | cut -c1-8)" = "# logits" ] && [ "$(sed 1d "$tmp/logits" | wc -l)" -eq 512 ] &&
    [ -n "$want" ] && [ "$got" = "$want" ]
ok $? "--dump logits: 512 logits after a comment, the largest five --dump json's ($got)"
run --model "$model" --dump logits --layer 0 --head 0
[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'whole model' "$tmp/err"
ok $? "--dump logits with --layer/--head is a usage error"

run --model "$model" --bench --runs 1
[ $rc -eq 0 ] && grep -Eq '^sgemm .*: [0-9.]+ GFLOP/s$' "$tmp/out" &&
    [ "$(grep -Ec '^ +(16|64|256) +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9]+% +[0-9.]+$' "$tmp/out")" -eq 3 ] &&
    grep -Eq '^edit at the end of 128 tokens: full pass [0-9.]+ ms, from the unchanged prefix [0-9.]+ ms' "$tmp/out" &&
    grep -q '^peak RSS: ' "$tmp/out"
ok $? "--bench --runs 1: the sgemm ceiling, one row per size (time, tokens/s, GFLOP/s, share), the edit timing, peak RSS"
# GFLOP/s must be the documented FLOP count (src/bench.c) over the time,
# every layer counted: recompute it from --info's shape.
cp "$tmp/out" "$tmp/bench"
run --model "$model" --info
awk -v info="$tmp/out" '
    BEGIN {
        while ((getline line < info) > 0) {
            split(line, f, ":"); v = f[2]; gsub(/ /, "", v)
            if (f[1] == "layers") L = v; else if (f[1] == "heads") H = v
            else if (f[1] == "kv heads") KV = v; else if (f[1] == "embedding") d = v
            else if (f[1] == "head size") hd = v; else if (f[1] == "feed-forward") ffn = v
            else if (f[1] == "vocabulary") V = v
        }
    }
    $1 ~ /^(16|64|256)$/ && $4 ~ /^[0-9.]+$/ {
        n = $1
        flops = L * (2*n*d*(2*H*hd + 2*KV*hd) + 2*n*d*ffn*3 + 4*hd*H*n*(n+1)/2) + 2*d*V
        want = flops / ($2 / 1e3) / 1e9
        rows++
        if (L == 0 || $4 < want * 0.97 - 0.01 || $4 > want * 1.03 + 0.01) bad++
    }
    END { exit !(rows == 3 && bad == 0) }' "$tmp/bench"
ok $? "--bench: GFLOP/s equals the documented FLOP count (all layers) over the measured time"
# The weights in memory: the two parts add up, and are 4 bytes a parameter
# (--info's count; every type is F32 in memory today).
params=$(sed -n 's/^parameters: *//p' "$tmp/out") fsize=$(sed -n 's/^file size: *\([0-9]*\) bytes/\1/p' "$tmp/out")
awk -v p="$params" -v fs="$fsize" '/^file .* MiB; weights in memory/ {
        gsub(/[(),;]/, " "); f = $2; w = $7; a = $9; c = $17
        ok = f > 0 && $18 == "MiB" && $19 == "converted" && (f - fs / 1048576) ^ 2 < 0.0025 &&
             (w - a - c) ^ 2 < 0.0025 &&
             (w - p * 4 / 1048576) ^ 2 < 0.0025
        print "# file " f " MiB, weights " w " = " a " + " c " MiB, params " p
        found = 1
    }
    END { exit !(found && ok) }' "$tmp/bench"
ok $? "--bench: the file's size and the weights in memory (read in place + converted = 4 bytes x $params parameters)"

long=$(awk 'BEGIN { for (i = 0; i < 600; i++) printf "a "; }')
run --model "$model" --text "$long" --dump json
[ $rc -eq 1 ] && grep -q "longer than the model's context of 512" "$tmp/err"
ok $? "text longer than the context is refused with a message"

printf 'The cat sat.' | "$bin" --model "$model" --text-file - --dump csv --layer 0 --head 0 >"$tmp/stdin.csv" 2>"$tmp/err"
"$bin" --model "$model" --text 'The cat sat.' --dump csv --layer 0 --head 0 >"$tmp/arg.csv" 2>>"$tmp/err"
cmp -s "$tmp/stdin.csv" "$tmp/arg.csv"
ok $? "--text-file - reads the text from standard input"

printf 'caf\351 \377\376 ok' >"$tmp/latin1.txt"
run --model "$model" --text-file "$tmp/latin1.txt" --dump json --layer 0 --head 0
[ $rc -eq 0 ] && grep -q '"text":"caf\\ufffd \\ufffd\\ufffd ok"' "$tmp/out" && grep -q '<0xFF>' "$tmp/out"
ok $? "invalid UTF-8 text gives byte tokens and valid JSON escapes"

# --lesson: the steps measured headless, as one JSON object of 9 steps on
# the bundled model; alone it opens the explorer, which without a terminal
# is the explorer's one-line refusal, exit 2 (tests/test_tui_lesson.sh
# drives the lesson itself).
XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL= "$bin" --lesson --dump json >"$tmp/lesson.json" 2>"$tmp/err"
[ $? -eq 0 ] && [ ! -s "$tmp/err" ] && python3 - "$tmp/lesson.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["steps"]
assert len(s) == 9 and [x["index"] for x in s] == list(range(1, 10))
views = [x["view"] for x in s]
assert views == ["row", "qkv", "softmax", "mask", "heads", "cost", "prune", "twin", "pair"], views
for x in s:
    assert 1 <= len(x["caption"]) <= 3 and all(len(l) <= 78 for l in x["caption"])
    for k in ("title", "sentence", "layer", "head", "query", "query_word", "key", "key_word",
              "found", "numbers"):
        assert k in x, k
assert s[0]["query_word"] == "it" and s[0]["key_word"] == "cat" and s[0]["found"] is True
assert s[0]["numbers"]["w_target"] > s[0]["numbers"]["w_competitor"]
assert (s[7]["layer"], s[7]["head"]) == (s[0]["layer"], s[0]["head"])
# The pruning step: every head once, the curve one longer, k5 consistent with it.
p, nb = s[6]["prune"], s[6]["numbers"]
assert len(p["order"]) == nb["heads"] == 30 and len({tuple(h) for h in p["order"]}) == 30
assert len(p["loss"]) == len(p["top1_same"]) == len(p["next"]) == 31
assert p["top1_same"][0] == nb["positions"] == 11
k5 = int(nb["k5"])
assert all(l <= p["loss"][0] * 1.05 for l in p["loss"][:k5 + 1])
assert k5 == 30 or p["loss"][k5 + 1] > p["loss"][0] * 1.05
# Every word sees every other word: in the causal decoder "bank" cannot see
# "river" (after it): no head, weight 0, and the caption says why.
b = s[8]
assert (b["query_word"], b["key_word"]) == ("bank", "river") and b["found"] is False
assert b["numbers"]["w_target"] == 0 and b["numbers"]["prefer"] == 0
assert "behind the mask" in b["caption"][1]
PY
ok $? "--lesson --dump json prints 9 measured steps as JSON (step 1: it -> cat; step 7 the pruning curve; step 9: bank cannot see river in a decoder)"
run --model "$model" --lesson --dump json
[ $rc -eq 0 ] && [ "$(grep -o '"index":' "$tmp/out" | wc -l)" -eq 9 ]
ok $? "--lesson --dump json runs on ref260K too"
run --model "$model" --lesson
[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q 'needs a terminal' "$tmp/err"
ok $? "--lesson alone in a pipe: the explorer's one line (it needs a terminal), exit 2"
run --model "$model" --lesson --dump csv
[ $rc -eq 2 ] && [ ! -s "$tmp/out" ]
ok $? "--lesson with another --dump format is a usage error"

echo "1..$n"
[ $failed -eq 0 ]
