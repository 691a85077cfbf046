#!/bin/sh
# test_mlm_reference.sh - a masked-language model (issue 20): an encoder
# whose token embeddings are its head (the GGUF key attnscope.mlm_head =
# "tied_embeddings"; model.h), and --mask WORD, which hides a word as [MASK].
#   (a) mkmodel's tiny random bert with the key: --info names the head;
#       --mask hides every piece of the word and nothing else (the token ids
#       of --dump json: [MASK] where the word's pieces were);
#   (b) --dump logits --mask: every logit at the first hidden token within
#       1e-4 (relative to the largest) of the float64 reference
#       (tools/golden/reference.py's bert pass on those ids, its final hidden
#       state at that position times the token embeddings), and
#       mask_guesses' top ids are the reference's; the reference on the
#       unmasked ids disagrees (the mask is really applied);
#   (c) llama.cpp (tools/llamacpp) loads the file, our key and all, and its
#       final embeddings agree with attnscope's arch_dump on the same ids:
#       the head needs no tensor llama.cpp does not expect;
#   (e) the bundled encoder, data/tinystories-bert.gguf, on the lesson's
#       two sentences: final embeddings within 1e-4 of the float64
#       reference, its guesses for the hidden word too; llama.cpp within
#       1e-4 of the reference with ggml's F16 GELU table (the one step it
#       rounds), and attnscope within 1e-4 of llama.cpp on these sentences
#       (7e-5 and 8e-5; other texts reach 1.2e-4, tools/train/check_bert.py);
#   (d) refusals, each exit 2 (usage) or 1 (file) with one message: an
#       unknown head, a head without [MASK], a head on a causal model;
#       --mask on a model without the head; --dump logits on the masked-
#       language model without --mask.
. "$(dirname "$0")/reference/lib.sh"
golden=$src/tools/golden

"$mkmodel" tiny f32 "$tmp/mlm.gguf" bert+mlm >/dev/null 2>"$tmp/err"
ok $? "mkmodel tiny f32 bert+mlm: a random encoder with a tied masked-LM head"
"$bin" --info --model "$tmp/mlm.gguf" >"$tmp/info" 2>&1 &&
    grep -q '^output: *masked-word guesses, tied to token_embd' "$tmp/info"
ok $? "--info: output is masked-word guesses, tied to token_embd"

text="the quick brown fox jumps over the lazy dog"
"$bin" --model "$tmp/mlm.gguf" --dump json -t "$text" >"$tmp/plain.json" 2>"$tmp/err" &&
    "$bin" --model "$tmp/mlm.gguf" --dump json -t "$text" --mask brown >"$tmp/mask.json" 2>"$tmp/err" &&
    "$bin" --model "$tmp/mlm.gguf" --dump logits -t "$text" --mask brown >"$tmp/logits.txt" 2>"$tmp/err"
ok $? "--dump json and --dump logits with --mask brown run"

cat >"$tmp/check.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from reference import Model
model, plain, mask, logits = sys.argv[2:6]
P, M = json.load(open(plain)), json.load(open(mask))
m = Model(model)
MASK = int(m.meta["tokenizer.ggml.mask_token_id"])
a, b = P["tokens"], M["tokens"]
# (a) the word's pieces, and only they, became [MASK]: "brown" is the
# third word; the pieces are where the two lists differ.
diff = [i for i in range(len(a)) if a[i] != b[i]]
text = sys.argv[6]
at = text.index(" brown")
want = [i for i, (s, e) in enumerate(P["spans"]) if e > s and at <= s < at + len(" brown")]
print("same_length %d" % (len(a) == len(b)))
print("exact %d" % (diff == want))
print("masked %s" % ",".join(str(i) for i in diff))
print("all_mask %d" % all(b[i] == MASK for i in diff))
print("contiguous %d" % (len(diff) > 0 and diff == list(range(diff[0], diff[-1] + 1))))
# (b) logits at the first hidden token against the reference.
p = diff[0]
mine = np.loadtxt(logits)
_, emb = m.residual(b)
ref = m.t["token_embd.weight"] @ emb[p]
rel = lambda x, y: float(np.abs(x - y).max() / np.abs(y).max())
print("logits %.3g" % rel(mine, ref))
g = M["mask_guesses"]
print("guess_position %d" % (g["position"] == p))
print("guess_ids %d" % (g["top_ids"] == [int(i) for i in np.argsort(-ref, kind="stable")[:5]]))
_, emb0 = m.residual(a)
print("unmasked %.3g" % rel(mine, m.t["token_embd.weight"] @ emb0[p]))
PY
/usr/bin/python3 "$tmp/check.py" "$golden" "$tmp/mlm.gguf" "$tmp/plain.json" "$tmp/mask.json" \
    "$tmp/logits.txt" "$text" >"$tmp/out" 2>&1 || sed 's/^/# /' "$tmp/out"
get() { sed -n "s/^$1 //p" "$tmp/out"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
[ "$(get same_length)" = 1 ] && [ "$(get all_mask)" = 1 ] && [ "$(get contiguous)" = 1 ] &&
    [ "$(get exact)" = 1 ] &&
    [ -n "$(get masked)" ]
ok $? "--mask brown: the word's pieces (tokens $(get masked)) and only they are [MASK]"
le "$(get logits)" 1e-4
ok $? "--dump logits --mask: within 1e-4 of the float64 reference's h·E^T (worst $(get logits) of the largest)"
[ "$(get guess_position)" = 1 ] && [ "$(get guess_ids)" = 1 ]
ok $? "--dump json's mask_guesses: the first hidden token, the reference's five largest ids"
! le "$(get unmasked)" 1e-3
ok $? "the reference on the unmasked ids disagrees (worst $(get unmasked)): the mask is applied"

# (c) llama.cpp on the same file.
driver=$(sh "$src/tools/llamacpp/setup.sh" 2>"$tmp/setup.err")
if [ $? -ne 0 ] || [ ! -x "$driver" ]; then
    echo "ok $((n + 1)) # SKIP llama.cpp: $(tail -n 1 "$tmp/setup.err")"
    n=$((n + 1))
else
    ids="1 70 80 90 100 300 301 302 17 18 19 200"
    # shellcheck disable=SC2086
    "$driver" embeddings "$tmp/mlm.gguf" $ids >"$tmp/llama.txt" 2>"$tmp/err" &&
        "$build/tests/arch_dump" "$tmp/mlm.gguf" $ids >"$tmp/dump.json" 2>>"$tmp/err" &&
        /usr/bin/python3 - "$tmp/dump.json" "$tmp/llama.txt" >"$tmp/out" 2>&1 <<'PY'
import json, sys
import numpy as np
mine = np.array(json.load(open(sys.argv[1]))["embeddings"])
ll = np.loadtxt(sys.argv[2]).reshape(mine.shape)
# ggml's CPU GELU rounds through F16 (tests/test_arch_reference.sh): 1e-3.
r = float(np.abs(mine - ll).max() / np.abs(ll).max())
print("llama %.3g" % r)
sys.exit(0 if r <= 1e-3 else 1)
PY
    ok $? "llama.cpp loads the file with attnscope.mlm_head; its embeddings agree ($(sed -n 's/^llama //p' "$tmp/out"))"
fi

# (e) The bundled encoder (issue 20) on the lesson's two sentences: its
# final embeddings against the float64 reference and llama.cpp; llama.cpp
# against the reference with ggml's F16 GELU table, which is all that
# separates them; and its guesses for a hidden "bank" against h·E^T.
enc=$src/data/tinystories-bert.gguf
cat >"$tmp/enc.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from reference import Model, gelu_ggml_cpu
model, dump, logits, mask = sys.argv[2:6]
llama = sys.argv[6] if len(sys.argv) > 6 else None
d, M = json.load(open(dump)), json.load(open(mask))
mine = np.array(d["embeddings"])
m = Model(model)
_, ref = m.residual(d["tokens"])
rel = lambda x, y: float(np.abs(x - y).max() / np.abs(y).max())
print("reference %.3g" % rel(mine, ref))
b = M["tokens"]
p = M["mask_guesses"]["position"]
_, emb = m.residual(b)
print("guesses %.3g" % rel(np.loadtxt(logits), m.t["token_embd.weight"] @ emb[p]))
if llama:
    ll = np.loadtxt(llama).reshape(mine.shape)
    print("llama %.3g" % rel(mine, ll))
    _, g = Model(model, gelu_ggml_cpu).residual(d["tokens"])
    print("ggml %.3g" % rel(g, ll))
PY
for which in bank cat; do
    case $which in
        bank) sentence="The bank by the river was steep." ;;
        cat) sentence="The cat sat on the mat because it was tired." ;;
    esac
    ids=$("$bin" --model "$enc" --dump json -t "$sentence" --layer 0 --head 0 2>"$tmp/err" |
        sed -n 's/.*"tokens":\[\([^]]*\)\].*/\1/p' | tr ',' ' ')
    # shellcheck disable=SC2086
    "$build/tests/arch_dump" "$enc" $ids >"$tmp/enc.json" 2>"$tmp/err" &&
        "$bin" --model "$enc" --dump logits -t "$sentence" --mask "$which" >"$tmp/enc.logits" 2>>"$tmp/err" &&
        "$bin" --model "$enc" --dump json -t "$sentence" --mask "$which" >"$tmp/enc.mask" 2>>"$tmp/err"
    ok $? "the bundled encoder on \"$sentence\" ($(echo $ids | wc -w) tokens), $which hidden"
    llama_out=
    # shellcheck disable=SC2086
    [ -n "$driver" ] && [ -x "$driver" ] &&
        "$driver" embeddings "$enc" $ids >"$tmp/enc.llama" 2>"$tmp/err" && llama_out=$tmp/enc.llama
    /usr/bin/python3 "$tmp/enc.py" "$golden" "$enc" "$tmp/enc.json" "$tmp/enc.logits" "$tmp/enc.mask" \
        $llama_out >"$tmp/out" 2>&1 || sed 's/^/# /' "$tmp/out"
    le "$(get reference)" 1e-4 && le "$(get guesses)" 1e-4
    ok $? "$which: embeddings within 1e-4 of the float64 reference ($(get reference)), the guesses for \"$which\" too ($(get guesses))"
    if [ -n "$llama_out" ]; then
        le "$(get ggml)" 1e-4 && le "$(get llama)" 1e-4
        ok $? "$which: llama.cpp's embeddings within 1e-4 of the reference with ggml's F16 GELU ($(get ggml)); attnscope's within 1e-4 of llama.cpp's ($(get llama))"
    else
        n=$((n + 1))
        echo "ok $n # SKIP llama.cpp: $(tail -n 1 "$tmp/setup.err")"
    fi
done

# (d) refusals.
refuse() { # refuse WANT_RC GREP DESCRIPTION -- ARGS...
    want=$1 pat=$2 what=$3
    shift 4
    "$bin" "$@" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc -eq "$want" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "$pat" "$tmp/err"
    ok $? "$what (exit $rc: $(head -n 1 "$tmp/err"))"
}
"$mkmodel" tiny f32 "$tmp/foo.gguf" bert+mlmhead=foo >/dev/null 2>&1
"$mkmodel" tiny f32 "$tmp/nomask.gguf" bert+mlmhead=tied_embeddings >/dev/null 2>&1
"$mkmodel" tiny f32 "$tmp/causal.gguf" llama+mlm >/dev/null 2>&1
"$mkmodel" tiny f32 "$tmp/llama.gguf" llama >/dev/null 2>&1
refuse 1 'attnscope.mlm_head is "foo"; the only head attnscope knows is "tied_embeddings"' \
    "an unknown head is refused, named" -- --info --model "$tmp/foo.gguf"
refuse 1 'needs tokenizer.ggml.mask_token_id' \
    "a head without a [MASK] token is refused" -- --info --model "$tmp/nomask.gguf"
refuse 1 'for a bidirectional encoder without a head; this is a causal llama model' \
    "a head on a causal model is refused" -- --info --model "$tmp/causal.gguf"
refuse 2 'is not a masked-language model' \
    "--mask on a model without the head: a usage error" -- --model "$tmp/llama.gguf" --dump json -t "$text" --mask fox
refuse 2 "no word of the text starts with it" \
    "--mask with a word the text lacks" -- --model "$tmp/mlm.gguf" --dump json -t "$text" --mask zebra
refuse 2 'name it with --mask WORD' \
    "--dump logits on a masked-language model without --mask" -- --model "$tmp/mlm.gguf" --dump logits -t "$text"
refuse 2 '--mask goes with --dump' \
    "--mask with --info" -- --model "$tmp/mlm.gguf" --info --mask fox

echo "1..$n"
[ $failed -eq 0 ]
