#!/bin/sh
# test_tui_encoder.sh - the bundled pair in a real terminal (issue 20): the
# causal decoder (tinystories-2m) and the bidirectional encoder
# (tinystories-bert), opened by name (--model decoder / encoder).
#   M switches between them on the same sentence: the title names the model
#   and says "causal" or "bidirectional"; the query stays on its word
#   ("bank": the decoder's first piece "b·", the encoder's "bank"), at the
#   token number each model's own --dump json gives for that word;
#   _ in the encoder hides the query's word: the sentence reads "[MASK]", the
#   panel lists the encoder's guesses, the first of them the one
#   `--dump json --mask bank` gives; _ again shows the word; in the decoder
#   _ says what it is for;
#   the lesson's last step, "Every word sees every other word", on the
#   decoder says "bank" cannot see "river" and shows the sentence in both
#   models, each in its own head (the encoder's beside); M measures it on
#   the encoder and the caption becomes the one `--model encoder --lesson
#   --dump json` gives, the decoder now beside it.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
src=$(cd "${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}" && pwd)
ui="TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$tmp/none ATTNSCOPE_MODEL="
text="The bank by the river was steep."

# What each model says of itself, headless.
for kind in decoder encoder; do
    "$bin" --model $kind --info >"$tmp/$kind.info" 2>"$tmp/err" &&
        "$bin" --model $kind --dump json -t "$text" -q bank --layer 0 --head 0 \
            >"$tmp/$kind.json" 2>>"$tmp/err"
    ok $? "--model $kind opens the bundled $kind ($(sed -n 's/^name: *//p' "$tmp/$kind.info"))"
done
name() { sed -n 's/^name: *//p' "$tmp/$1.info"; }
# The query token --query bank picks in each model's own tokens.
qtok() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["query"])' "$tmp/$1.json"; }
grep -q '^architecture: *llama (causal)' "$tmp/decoder.info" &&
    grep -q '^architecture: *bert (bidirectional)' "$tmp/encoder.info" &&
    grep -q '^output: *masked-word guesses' "$tmp/encoder.info"
ok $? "the decoder is causal; the encoder bidirectional, with a masked-word head"
qd=$(qtok decoder) qe=$(qtok encoder)

start 80 24 $ui -- --model decoder -t "'$text'" -q bank
wait_for "^ query $qd " && head -1 "$tmp/screen" | grep -q " $(name decoder) .* causal " &&
    grep -Eq '│▶ b·' "$tmp/screen"
check $? "decoder: the title names it and says causal; the query is \"b·\" (token $qd)"
keys M
wait_for "^ query $qe " && head -1 "$tmp/screen" | grep -Eq " $(name encoder) .* bidir(ectional)? " &&
    grep -Eq '│▶ bank ' "$tmp/screen"
check $? "M: the encoder, bidirectional, the query still on \"bank\" (its token $qe)"
keys M
wait_for "^ query $qd " && head -1 "$tmp/screen" | grep -q " $(name decoder) .* causal " &&
    grep -Eq '│▶ b·' "$tmp/screen"
check $? "M again: back to the decoder, the query on \"b·ank\" (token $qd)"
keys _
wait_for 'masked-language model: M switches to the'
check $? "_ in the decoder says it is for the encoder"

# Hiding the word: the guesses are --dump json --mask's.
"$bin" --model encoder --dump json -t "$text" --mask bank >"$tmp/mask.json" 2>"$tmp/err"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mask_guesses"]["top_pieces"][0].lstrip("\u2581"))' "$tmp/mask.json")
keys M
wait_for "^ query $qe " && keys _
wait_for '^┌ hidden word' && grep -q 'The \[MASK\] by the river' "$tmp/screen" &&
    grep -q 'its guesses for the hidden word' "$tmp/screen" && grep -Eq "^│  ␣?$first " "$tmp/screen"
check $? "_ in the encoder: the sentence reads [MASK], the first guess is --mask's (\"$first\")"
keys _
wait_for '^│\[CLS\] The bank by the river' && grep -q '_ hides "bank" as \[MASK\]' "$tmp/screen"
check $? "_ again: the word is back; the panel says _ would hide it"
quits "encoder: q exits 0"

# The lesson's last step on both.
"$bin" --model encoder --lesson --dump json >"$tmp/lesson.json" 2>"$tmp/err"
cap=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"][-1]["caption"][0])' "$tmp/lesson.json")
[ -n "$cap" ]
ok $? "--model encoder --lesson --dump json: step 9's caption ($cap)"
start 80 24 $ui -- --model decoder --lesson
wait_for 'Where does "it" look'
i=1
while [ $i -lt 9 ]; do keys n; i=$((i + 1)); done
wait_for 'Every word sees every other word' && wait_for 'behind the mask' &&
    wait_for "^│$(name encoder) · bidirectional · L[0-9]+ H[0-9]+ " &&
    grep -q "^│$(name decoder) · causal · L" "$tmp/screen" &&
    grep -Eq '^│river/steep: 0\.00/0\.00 here, [0-9.]+/[0-9.]+ in the encoder' "$tmp/screen"
check $? "lesson step 9 on the decoder: \"bank\" cannot see \"river\"; the encoder beside it, in its own head"

keys M
wait_for "$(printf '%s' "$cap" | cut -c1-40)" && wait_for "^│$(name decoder) · causal · L" &&
    grep -q "^│$(name encoder) · bidirectional · L" "$tmp/screen"
check $? "M in step 9: measured on the encoder, the caption --lesson --dump json gives ($(printf '%s' "$cap" | cut -c1-40)...)"
quits "lesson: q exits 0"

finish
