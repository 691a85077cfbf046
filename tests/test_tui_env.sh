#!/bin/sh
# test_tui_env.sh - the explorer on hostile or limited terminals: vt100 (no
# colour), LANG=C (no UTF-8), a tiny window, unknown/missing TERM, and no
# terminal at all.
. "$(dirname "$0")/tui/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux not installed"; exit 0
fi
if [ ! -f "$model" ]; then
    echo "1..0 # SKIP ../shared not found ($model)"; exit 0
fi

# vt100: no colours, so weights are shade glyphs.
start 80 24 TERM=vt100 LANG=C.UTF-8 -- --model "$model"
wait_for '^ \. → '
ok $? "TERM=vt100: starts"
screen -e >"$tmp/vt100-e"
screen >"$tmp/vt100"
! grep -q '48;5;' "$tmp/vt100-e" && grep -q '│▶ \. *[░▒▓█]' "$tmp/vt100"
ok $? "TERM=vt100: no colour codes; the query row is drawn in shade glyphs"
grep -q '^│<s> The c·at s·at on the m·at be·c·a·u·se it was t·ir·ed\.' "$tmp/vt100"
ok $? "TERM=vt100: the sentence is shown"
keys Left Tab
wait_for 'head 1 \(kv 0\)'
ok $? "TERM=vt100: keys work"
keys q
wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
ok $? "TERM=vt100: q exits 0"

# LANG=C: no UTF-8, so ASCII frames and glyphs.
start 80 24 TERM=xterm-256color LANG=C LC_ALL=C -- --model "$model" --palette ascii
wait_for '^ \. -> '
ok $? "LANG=C: starts, with ASCII arrows"
screen >"$tmp/c"
grep -q '^+ sentence -' "$tmp/c" && grep -q '^|> \. ' "$tmp/c" && ! grep -q '[─│░▒▓█]' "$tmp/c"
ok $? "LANG=C: ASCII frames and markers, no UTF-8 on screen"
grep -q '^|> \. *[.:*#]' "$tmp/c"
ok $? "LANG=C: weights shown with ASCII shades"
keys q
wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
ok $? "LANG=C: q exits 0"

# A tiny terminal: a clear message, and a real screen once it grows.
start 30 8 TERM=xterm-256color LANG=C.UTF-8 -- --model "$model"
wait_for 'terminal too small: 30x8'
ok $? "30x8: says the terminal is too small"
tm resize-window -x 80 -y 24
wait_for '^ \. → '
ok $? "30x8 grown to 80x24: the explorer appears"
# Down to a single cell and back: nothing to draw there, but no crash.
for size in 1x1 2x1 1x2 3x3 12x2 39x11 40x12 1x1; do
    tm resize-window -x "${size%x*}" -y "${size#*x}"
    sleep 0.1
done
tm resize-window -x 80 -y 24
wait_for '┌ heads ─' && wait_for '^ \. → ' && ! grep -q 'EXIT=' "$tmp/screen"
ok $? "resized down to 1x1 (and 2x1, 1x2, 3x3, 12x2, 39x11) and back: still running, a valid screen"

i=0
while [ $i -lt 50 ]; do
    tm resize-window -x $((40 + i % 50)) -y $((12 + i % 20)); i=$((i + 1))
done
tm resize-window -x 80 -y 24
keys C-l
wait_for '┌ heads ─' && wait_for '^ \. → '
ok $? "50 resizes in a row leave a valid 80x24 screen"

# Bytes that are not UTF-8 typed while editing: tmux (like libtermkey for a
# real terminal) passes each bad sequence on as U+FFFD, which is kept, shown,
# tokenized as byte pieces (ref260K has no piece for it) and computed.
keys e
wait_for 'sentence \(editing\)'
tm send-keys -H 20 ff fe c3 28 e2 82
# The edit line counts tokens: BOS, 21 for the sentence, ▁, 3 byte tokens
# for each U+FFFD and one for "(" (--dump json says 35).
wait_for 'tired\. ���\(�' && grep -q '35/512 tokens' "$tmp/screen"
ok $? "not-UTF-8 bytes typed in edit mode: four U+FFFD and '(' in the text (35/512 tokens)"
keys Enter End
# The last token is <0xBD>, the end of U+FFFD's bytes: labelled as a
# continuation of the character, never as the byte piece.
wait_for '^ … → ' && ! grep -q '<0x' "$tmp/screen" && ! grep -q 'EXIT=' "$tmp/screen"
ok $? "not-UTF-8 bytes typed: recomputed, the last token is a byte token shown as …, still running"
keys q
wait_for 'STTY-DONE' && grep -q 'EXIT=0' "$tmp/screen"
ok $? "after the resizes: q exits 0"

# Terminals curses cannot drive: one clear line, exit 1, nothing broken.
start 80 24 TERM=no-such-terminal -- --model "$model"
wait_for 'STTY-DONE'
grep -q 'EXIT=1' "$tmp/screen" && grep -q "unknown terminal type 'no-such-terminal'" "$tmp/stderr"
ok $? "unknown TERM: exit 1 with a message naming it"
start 80 24 -u TERM -- --model "$model"
wait_for 'STTY-DONE'
grep -q 'EXIT=1' "$tmp/screen" && grep -q 'TERM is not set' "$tmp/stderr"
ok $? "no TERM: exit 1 with a message"

# No terminal at all: the explorer refuses, the headless commands work.
"$bin" --model "$model" </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q 'needs a terminal' "$tmp/err"
ok $? "stdin not a terminal: exit 2 with a message"
"$bin" --model "$model" --info </dev/null | grep -q '^layers: *5$'
ok $? "--info still works in a pipe"
finish
