#!/bin/sh
# valgrind_session.sh - memcheck over a scripted explorer session, in a
# private tmux server at 80x24: query and head keys, the views, the overview,
# editing (a burst of keys, so passes are cancelled and replaced), saving a
# head, quitting.  Prints valgrind's summary lines; exit 1 on any error or
# anything definitely lost.
#
#   tools/valgrind_session.sh BINARY MODEL.gguf
set -u
[ $# -eq 2 ] || { echo "usage: $0 BINARY MODEL.gguf" >&2; exit 2; }
# Absolute paths: the session runs in a scratch directory (where `s` saves).
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
model=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
command -v valgrind >/dev/null && command -v tmux >/dev/null ||
    { echo "$0: needs valgrind and tmux" >&2; exit 2; }
tmp=$(mktemp -d) || exit 2
sock=attnscope-vg-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
tm() { tmux -L "$sock" -f /dev/null "$@"; }

tm new-session -d -c "$tmp" -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 valgrind --leak-check=full --log-file=$tmp/vg.txt $bin -m $model; sleep 600"
# Valgrind is slow: wait for the first screen before typing.
i=0
until tm capture-pane -p | grep -q ' → '; do
    i=$((i + 1)); [ $i -lt 3000 ] || { echo "$0: no first screen" >&2; exit 1; }
    sleep 0.1
done
for k in Left Left Tab m x t c Tab c o Right Enter a '?' Escape Escape e BSpace; do
    tm send-keys "$k"; sleep 0.4
done
tm send-keys -l ' and then the cat went home to sleep.'   # one burst
sleep 1
tm send-keys Home; tm send-keys -l 'So '; sleep 1
tm send-keys Enter; sleep 1
tm send-keys s; sleep 1
tm send-keys q
i=0
until grep -q 'ERROR SUMMARY' "$tmp/vg.txt" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "$0: valgrind did not finish" >&2; exit 1; }
    sleep 0.1
done
sleep 0.5
grep -E 'definitely lost|indirectly lost|still reachable|ERROR SUMMARY|in use at exit' "$tmp/vg.txt" |
    sed 's/^==[0-9]*== *//'
ls "$tmp"/*.csv "$tmp"/*.svg >/dev/null 2>&1 && echo "saved: $(cd "$tmp" && ls *.csv *.svg | tr '\n' ' ')"
grep -q 'ERROR SUMMARY: 0 errors' "$tmp/vg.txt" &&
    ! grep -Eq 'definitely lost: [1-9]' "$tmp/vg.txt"
