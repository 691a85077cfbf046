#!/bin/sh
# bench_tui.sh - the explorer's idle CPU time and the bytes it writes to the
# terminal for one cursor move, measured in a private tmux server.
# Usage: tools/bench_tui.sh BINARY MODEL [RUNS]
set -u
bin=$1 model=$2 runs=${3:-5}
sock=attnscope-bench-$$
tmp=$(mktemp -d)
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
wait_for() {
    i=0
    while [ $i -lt 200 ]; do
        tm capture-pane -p | grep -Eq -- "$1" && return 0
        sleep 0.05; i=$((i + 1))
    done
    echo "timed out waiting for $1" >&2; exit 1
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tm new-session -d -x 80 -y 24 "env TERM=xterm-256color LANG=C.UTF-8 $bin --model $model; sleep 600"
wait_for '^ \. → '
pid=$(pgrep -f "^$bin --model $model" | head -1)
hz=$(getconf CLK_TCK)

# Idle: no input for 10 s, from 2 s after the first screen (OpenBLAS's
# threads spin briefly after a computation before they sleep).
sleep 2
t0=$(ticks "$pid"); sleep 10; t1=$(ticks "$pid")
echo "idle 10 s: $((t1 - t0)) ticks of CPU time (1 tick = 1/$hz s)"

# One cursor move (left, then right, alternately), bytes written to the pane.
: >"$tmp/sizes"
run=0
while [ $run -lt "$runs" ]; do
    for key in Left Right; do
        want=$([ $key = Left ] && echo '^ ed →' || echo '^ \. →')
        tm pipe-pane -o "cat >$tmp/out"
        tm send-keys $key
        wait_for "$want"
        sleep 0.2 # let the last bytes reach the pipe before closing it
        tm pipe-pane
        wc -c <"$tmp/out" >>"$tmp/sizes"
    done
    run=$((run + 1))
done
echo "bytes per cursor move at 80x24 (median of $((runs * 2))): $(median <"$tmp/sizes")"
echo "all: $(tr '\n' ' ' <"$tmp/sizes")"
