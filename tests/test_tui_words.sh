#!/bin/sh
# test_tui_words.sh - words and pieces (issue 15), in a real terminal at
# 80x24, 200x60 and 40x12: the sentence strip and the labels show where a
# word is split ("b·ank"), pieces read as text (no ▁, no <0x..>), w shows
# whole words, / finds a word whatever its pieces, the edit line counts
# tokens against the context, and a view older than the text says so.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
# An absolute path: the explorer runs in a tmux pane whose directory is $tmp.
bundled=$(cd "${ATTNSCOPE_SRCDIR:-$(dirname "$0")/..}" && pwd)/data/tinystories-2m.gguf
if [ ! -f "$bundled" ]; then
    echo "1..0 # SKIP data/tinystories-2m.gguf not found"; exit 0
fi
# The bundled model splits "bank" into ▁b + ank and "steep" into ▁ste + ep.
text='The bank by the river was steep.'
strip='│<s> The b·ank by the river was ste·ep\.'

# count TEXT: the tokens --dump json gives for TEXT (BOS included).
count() {
    "$bin" --model "$bundled" --dump json -t "$1" |
        sed -n 's/.*"tokens":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | grep -c .
}

for size in 80x24 200x60; do
    w=${size%x*} h=${size#*x}
    start "$w" "$h" TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" -t "'$text'" --palette 256
    wait_for '^ \. → '
    ok $? "$size: starts on the bank sentence"
    grep -q "$strip" "$tmp/screen"
    ok $? "$size: the strip shows the split words as b·ank and ste·ep"
    grep -q '│  ·ank ' "$tmp/screen" && grep -q '│  b· ' "$tmp/screen" && grep -q '│  ·ep ' "$tmp/screen"
    ok $? "$size: the heatmap rows are labelled b· ·ank and ste· ·ep"

    # / finds the word "bank" (b + ank); "ank" alone is no word.
    keys /
    keys -l ank
    keys Enter
    wait_for 'no word starting with "ank"'
    ok $? "$size: /ank finds nothing: a piece inside a word is not a word"
    keys /
    keys -l bank
    keys Enter
    wait_for '│▶ b· '
    ok $? "$size: /bank moves the query onto the word's first piece"

    # w: whole words.
    keys w
    wait_for '│▶ bank '
    ok $? "$size: w: the query row is the word bank"
    rows=$(grep -Ec '^│(▶| ) (b·|·ank|bank) ' "$tmp/screen")
    [ "$rows" -eq 1 ] && grep -q '│  steep ' "$tmp/screen" && ! grep -q '·ep ' "$tmp/screen"
    ok $? "$size: w: one row for bank and one for steep, no pieces (saw $rows rows for bank)"
    grep -q 'words' "$tmp/screen" && grep -q 'sentence · words' "$tmp/screen"
    ok $? "$size: w: the screen says the units are words"
    keys /
    keys -l steep
    keys Enter
    wait_for '│▶ steep '
    ok $? "$size: w: /steep lands on the word steep"
    keys w
    wait_for '│▶ ste· '
    ok $? "$size: w again: pieces, the query on steep's first piece"

    # The edit line counts tokens, against the context of 256.
    keys e
    wait_for 'sentence \(editing\)'
    n1=$(count "$text")
    grep -q "│$n1/256 tokens" "$tmp/screen"
    ok $? "$size: edit mode shows the token count $n1/256"
    keys -l ' The end.'
    n2=$(count "$text The end.")
    wait_for "│$n2/256 tokens" && [ "$n2" -ne "$n1" ]
    ok $? "$size: typing changes the count to $n2/256"
    # Past the context: marked in the edit line, then the view is stale.
    long=$(i=0; while [ $i -lt 70 ]; do printf ' and the cat sat'; i=$((i + 1)); done)
    keys -l "$long"
    wait_for '[0-9]+/256 tokens  over the context'
    over=$(sed -n 's/.*│\([0-9]*\)\/256 tokens  over the context.*/\1/p' "$tmp/screen")
    [ "${over:-0}" -gt 256 ]
    ok $? "$size: past the context the edit line says so ($over/256)"
    keys Escape
    wait_for "$strip" && ! grep -q 'stale' "$tmp/screen" && grep -q '┌ sentence ─' "$tmp/screen"
    ok $? "$size: Esc restores the text: the view is current, no stale mark"
    keys e
    wait_for 'sentence \(editing\)'
    keys -l "$long"
    wait_for 'over the context'
    keys Enter
    wait_for 'sentence \(stale'
    grep -q "$strip" "$tmp/screen" && grep -q 'showing the previous text' "$tmp/screen"
    ok $? "$size: Enter over the context: the strip, still the old text, is marked stale"
    keys q
    wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
    ok $? "$size: q exits 0"
done

# Pieces as text: é and 😀 are byte tokens in the bundled model.
for size in 80x24 200x60; do
    w=${size%x*} h=${size#*x}
    start "$w" "$h" TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" -t "'café 😀 is nice'"
    wait_for '^ nice → '
    ok $? "$size: starts on café 😀"
    grep -q '│<s> ca·f·é 😀 is nice' "$tmp/screen"
    ok $? "$size: the strip shows café and 😀 as typed, split marks inside café"
    ! grep -q '▁' "$tmp/screen" && ! grep -q '<0x' "$tmp/screen"
    ok $? "$size: no ▁ and no <0x..> anywhere on screen"
    keys Home Right Right Right
    wait_for '│▶ ·é '
    ok $? "$size: the byte token that starts é is labelled é"
    keys Right
    wait_for '│▶ … '
    ok $? "$size: the second byte of é is labelled … (a continuation)"
    keys q
    wait_for 'STTY-DONE'
done

# No UTF-8: the same marks in ASCII.
start 80 24 TERM=xterm-256color LANG=C -- --model "$bundled" -t "'$text'"
wait_for '^ \. -> '
grep -q '|<s> The b-ank by the river was ste-ep\.' "$tmp/screen" && grep -q '|  -ank ' "$tmp/screen"
ok $? "LANG=C: the split is marked b-ank in the strip, -ank in the labels"
keys q
wait_for 'STTY-DONE'

# 40x12: the count and the stale mark still fit.
start 40 12 TERM=xterm-256color LANG=C.UTF-8 -- --model "$bundled" -t "'$text'"
wait_for '^ \. → '
keys e
wait_for "│$(count "$text")/256 tokens"
ok $? "40x12: the edit line shows the token count"
keys -l "$long"
wait_for '[0-9]+/256 tokens  over'
ok $? "40x12: past the context the edit line says so"
keys Enter
wait_for 'sentence \(stale\)'
ok $? "40x12: the strip is marked stale"
keys q
wait_for 'STTY-DONE'

finish
