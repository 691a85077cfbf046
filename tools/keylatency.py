#!/usr/bin/python3
"""keylatency.py - how long a key typed in attnscope's edit mode takes to
appear on screen, with no forward pass running and while one is running.

usage: tools/keylatency.py [--bin BIN] [--model M] [--text T | --words N]
                           [--trials K] [--at start|end] [--delay MS|auto]
                           [--size COLSxROWS] [--verbose]

Examples (from the top of the source tree):
  tools/keylatency.py --model /tmp/s110M-f32.gguf --words 54            # 120 tokens
  tools/keylatency.py --model /tmp/s110M-f32.gguf --words 113           # 248 tokens
  tools/keylatency.py --model /tmp/s110M-f32.gguf --words 54 --at end   # short passes
  tools/keylatency.py                          # data/tinystories-2m.gguf, 12 tokens
(/tmp/s110M-f32.gguf: `make -C build/tests mkmodel && build/tests/mkmodel s110M f32
/tmp/s110M-f32.gguf`.)

It runs the explorer (--bin, default build/src/attnscope beside this tool)
in a pseudo-terminal (80x24, TERM=xterm-256color, LANG=C.UTF-8, an empty
configuration directory), waits for the first forward pass to be drawn,
presses `e` and, with --at start (the default), Ctrl-A: the typing goes in
front of the first word, so every key changes the first token and the
worker recomputes the whole sentence.  With --at end the keys go after the
last word and the worker recomputes only from the first changed token (the
last word or two), which is a much shorter pass.

Each trial is one of two kinds, alternated so that a change in the
machine's load touches both alike:

  idle   nothing is being computed (the "computing…" indicator is off and
         has been for --settle ms); type key B.  The time from writing B to
         the pseudo-terminal until the explorer draws B on the sentence line
         is the echo latency with no pass in flight.  The time from writing
         B until the indicator goes off again is one forward pass as the
         user sees it (tokenize, forward pass, the redraw with the result).
  busy   type key A (starting a pass), wait for A's echo, wait --delay ms
         (auto: half the median pass of the idle trials so far, warm-up
         included, less their median echo, so that the worker is in the
         middle of A's pass), then type B and time B's echo as above.  A
         trial counts as "pass in flight" only when the indicator stayed on
         from A's echo until B's echo; the others are counted apart (a pass
         shorter than the delay cannot be overlapped).

After each trial Backspace removes what was typed and the tool waits for
the indicator to go off, so the sentence is the same at every trial.  The
keys are letters that occur neither in the sentence nor on the screen (by
default two of Q Z X J K V W Y), and an echo is B printed on the sentence
line: the tool keeps a small model of the terminal (cursor, scrolling
regions, insert/delete, the line-drawing character set) fed with
everything the explorer writes, so B inside an escape sequence or a
line-drawing run is not mistaken for an echo, and the indicator is read off
the model screen's "editing: N bytes computing…" line, only once a redraw
is complete (the explorer leaves the cursor on the sentence line last; a
read can end halfway through a redraw).

Times are taken when this script reads the bytes, before it parses them,
so they include the pty's delivery and this script getting a CPU to read
them, as a terminal emulator would have to (a pty round trip through
`cat` takes under 0.1 ms).  On a machine with few cores and other work the
idle echo depends on how long everything has slept: compare --settle 50
and --settle 1000.  To compare two builds, run the tool on each with
--bin, alternately.

Before the explorer starts, `attnscope --dump json --layer 0 --head 0` runs
once to count the sentence's tokens and to fail early, with its message,
when the model or the text is unusable.

Output: the setup, then one line per measurement with n, median, p90
(nearest rank), max and min in milliseconds.  Exit status 0 when the
measurements were taken, 1 when the explorer failed, exited, or a step did
not finish within --timeout seconds (the explorer is killed and the last
screen printed), 2 on a usage error.
"""
import argparse
import codecs
import json
import math
import os
import pty
import re
import select
import shlex
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import fcntl
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
DEFAULT_BIN = os.path.join(TOP, "build", "src", "attnscope")
DEFAULT_MODEL = os.path.join(TOP, "data", "tinystories-2m.gguf")
DEFAULT_TEXT = "The cat sat on the mat because it was tired."
WORDS = ("the cat sat on the mat because it was tired and the dog ran to the "
         "park with a red ball so the boy had fun in the sun").split()
KEY_CANDIDATES = "QZXJKVWY"
CTRL_A, BACKSPACE, CTRL_C = b"\x01", b"\x7f", b"\x03"


class Failure(Exception):
    """A step failed: the message says which and why."""


# ---------------------------------------------------------------------------
# A terminal model: enough of xterm for what ncurses sends to xterm-256color.

# The DEC special graphics set (ESC ( 0), as curses uses it for lines.
ACS = dict(zip("`afgjklmnopqrstuvwxyz{|}~",
               "◆▒°±┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·"))
ESC_RE = re.compile(
    r"\x1b(?:\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])"  # CSI
    r"|\]([^\x07\x1b]*)(?:\x07|\x1b\\)"                     # OSC
    r"|([\x20-\x2f]*)([\x30-\x5a\x5c\x5e-\x7e]))")         # ESC x, ESC ( x
PARTIAL_RE = re.compile(r"\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|\][^\x07\x1b]*\x1b?|[\x20-\x2f]*)")
TEXT_RE = re.compile(r"[^\x00-\x1f\x7f-\x9f]+")


class Screen:
    """The cells of a ROWS x COLS terminal fed with the explorer's output.

    watch(ch, row) arms a detector: the first time CH is printed as plain
    text (not as a line-drawing glyph) on ROW, hit holds (row, col, time).
    """

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = ""
        self.replies = []  # answers to status requests, for the caller to send
        self.watch_ch = None
        self.watch_row = None
        self.hit = None
        self._reset()

    def _reset(self):
        self.grid = [self._blank() for _ in range(self.rows)]
        self.y = self.x = 0
        self.wrap = False
        self.top, self.bot = 0, self.rows - 1
        self.insert = False
        self.acs = False
        self.saved = (0, 0, False)
        self.last = " "

    def _blank(self):
        return [" "] * self.cols

    def line(self, r):
        return "".join(self.grid[r])

    def text(self):
        return "\n".join(self.line(r) for r in range(self.rows))

    def watch(self, ch, row):
        self.watch_ch, self.watch_row, self.hit = ch, row, None

    # -- input --
    def feed(self, data, when):
        s = self.pending + self.decoder.decode(data)
        i, n = 0, len(s)
        while i < n:
            c = s[i]
            if c == "\x1b":
                m = ESC_RE.match(s, i)
                if not m:
                    if PARTIAL_RE.fullmatch(s, i):
                        break  # the rest of the sequence is still to come
                    i += 1  # a stray ESC
                    continue
                self._escape(m)
                i = m.end()
            elif c < " " or "\x7f" <= c <= "\x9f":
                self._control(c)
                i += 1
            else:
                m = TEXT_RE.match(s, i)
                for ch in m.group():
                    self._print(ch, when)
                i = m.end()
        self.pending = s[i:]

    def _control(self, c):
        if c == "\r":
            self.x, self.wrap = 0, False
        elif c in "\n\x0b\x0c":
            self._index()
        elif c == "\b":
            self.x, self.wrap = max(0, self.x - 1), False
        elif c == "\t":
            self.x, self.wrap = min(self.cols - 1, (self.x // 8 + 1) * 8), False

    def _print(self, ch, when):
        if self.acs:
            glyph, plain = ACS.get(ch, ch), False
        else:
            glyph, plain = ch, True
        if unicodedata.combining(glyph):
            return
        w = 2 if unicodedata.east_asian_width(glyph) in "WF" else 1
        if self.wrap:
            self.x, self.wrap = 0, False
            self._index()
        row = self.grid[self.y]
        if self.insert:
            row[self.x:self.x] = [" "] * w
            del row[self.cols:]
        row[self.x] = glyph
        if w == 2 and self.x + 1 < self.cols:
            row[self.x + 1] = ""
        if (plain and ch == self.watch_ch and self.hit is None
                and (self.watch_row is None or self.y == self.watch_row)):
            self.hit = (self.y, self.x, when)
        self.last = ch
        self.x += w
        if self.x >= self.cols:
            self.x, self.wrap = self.cols - 1, True

    def _index(self):
        if self.y == self.bot:
            self._scroll_up(1)
        elif self.y < self.rows - 1:
            self.y += 1

    def _rindex(self):
        if self.y == self.top:
            self._scroll_down(1)
        elif self.y > 0:
            self.y -= 1

    def _scroll_up(self, n):
        for _ in range(min(n, self.bot - self.top + 1)):
            del self.grid[self.top]
            self.grid.insert(self.bot, self._blank())

    def _scroll_down(self, n):
        for _ in range(min(n, self.bot - self.top + 1)):
            del self.grid[self.bot]
            self.grid.insert(self.top, self._blank())

    def _escape(self, m):
        if m.group(3) is not None:
            self._csi(m.group(1), m.group(2), m.group(3))
        elif m.group(4) is not None:
            pass  # OSC: titles, palette
        else:
            inter, final = m.group(5), m.group(6)
            if inter == "(":
                self.acs = final == "0"
            elif inter:
                pass  # other character sets, DECALN, ...
            elif final == "7":
                self.saved = (self.y, self.x, self.acs)
            elif final == "8":
                self.y, self.x, self.acs = self.saved
                self.wrap = False
            elif final == "M":
                self._rindex()
            elif final == "D":
                self._index()
            elif final == "E":
                self.x = 0
                self._index()
            elif final == "c":
                self._reset()

    def _csi(self, params, inter, final):
        private = params[:1] if params[:1] in ("?", ">", "<", "=") else ""
        body = params[len(private):]
        args = []
        for p in body.split(";") if body else []:
            p = p.split(":")[0]
            args.append(int(p) if p.isdigit() else 0)

        def arg(i, default=1):
            v = args[i] if i < len(args) else 0
            return v if v else default

        if inter == "!" and final == "p":  # soft reset
            self.insert, self.acs, self.wrap = False, False, False
            self.top, self.bot = 0, self.rows - 1
            return
        if inter:
            return
        if private:
            if final in "hl" and private == "?":
                modes = args
                if any(v in (47, 1047, 1049) for v in modes) and final == "h":
                    self.grid = [self._blank() for _ in range(self.rows)]
            return
        row = self.grid[self.y]
        cols, rows = self.cols, self.rows
        if final not in "m":
            self.wrap = False
        if final == "@":
            row[self.x:self.x] = [" "] * arg(0)
            del row[cols:]
        elif final == "A":
            lo = self.top if self.y >= self.top else 0
            self.y = max(lo, self.y - arg(0))
        elif final in "Be":
            hi = self.bot if self.y <= self.bot else rows - 1
            self.y = min(hi, self.y + arg(0))
        elif final in "Ca":
            self.x = min(cols - 1, self.x + arg(0))
        elif final == "D":
            self.x = max(0, self.x - arg(0))
        elif final == "E":
            self.y, self.x = min(rows - 1, self.y + arg(0)), 0
        elif final == "F":
            self.y, self.x = max(0, self.y - arg(0)), 0
        elif final in "G`":
            self.x = min(cols - 1, arg(0) - 1)
        elif final in "Hf":
            self.y, self.x = min(rows - 1, arg(0) - 1), min(cols - 1, arg(1) - 1)
        elif final == "d":
            self.y = min(rows - 1, arg(0) - 1)
        elif final == "J":
            how = arg(0, 0)
            if how == 0:
                row[self.x:] = [" "] * (cols - self.x)
                for r in range(self.y + 1, rows):
                    self.grid[r] = self._blank()
            elif how == 1:
                row[:self.x + 1] = [" "] * (self.x + 1)
                for r in range(self.y):
                    self.grid[r] = self._blank()
            else:
                self.grid = [self._blank() for _ in range(rows)]
        elif final == "K":
            how = arg(0, 0)
            if how == 0:
                row[self.x:] = [" "] * (cols - self.x)
            elif how == 1:
                row[:self.x + 1] = [" "] * (self.x + 1)
            else:
                self.grid[self.y] = self._blank()
        elif final in "LM":
            if self.top <= self.y <= self.bot:
                for _ in range(min(arg(0), self.bot - self.y + 1)):
                    if final == "L":
                        del self.grid[self.bot]
                        self.grid.insert(self.y, self._blank())
                    else:
                        del self.grid[self.y]
                        self.grid.insert(self.bot, self._blank())
                self.x = 0
        elif final == "P":
            n = min(arg(0), cols - self.x)
            del row[self.x:self.x + n]
            row.extend([" "] * n)
        elif final == "S":
            self._scroll_up(arg(0))
        elif final == "T" and len(args) <= 1:
            self._scroll_down(arg(0))
        elif final == "X":
            n = min(arg(0), cols - self.x)
            row[self.x:self.x + n] = [" "] * n
        elif final == "Z":
            for _ in range(arg(0)):
                self.x = max(0, (self.x - 1) // 8 * 8)
        elif final == "b":
            for _ in range(arg(0)):
                self._print(self.last, None)
        elif final == "h" or final == "l":
            if 4 in args:
                self.insert = final == "h"
        elif final == "r":
            top, bot = arg(0) - 1, arg(1, rows) - 1
            if top < bot < rows:
                self.top, self.bot = top, bot
                self.y = self.x = 0
        elif final == "n" and arg(0, 0) == 6:
            self.replies.append(f"\x1b[{self.y + 1};{self.x + 1}R".encode())


# ---------------------------------------------------------------------------
# The explorer in a pseudo-terminal.

EDIT_RE = re.compile(r"editing: (\d+) bytes( computing)?")


class Explorer:
    def __init__(self, argv, env, rows, cols):
        self.screen = Screen(rows, cols)
        self.exit_status = None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execve(argv[0], argv, env)
            except BaseException as e:  # noqa: B902 - the child must never return
                os.write(2, f"keylatency: cannot run {argv[0]}: {e}\n".encode())
            os._exit(127)

    def write(self, data):
        t = time.perf_counter()
        os.write(self.fd, data)
        return t

    def pump(self, timeout):
        """Read what the explorer writes within TIMEOUT seconds (at most one
        chunk) into the screen; the time it was read, None when nothing came."""
        r, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not r:
            return None
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            data = b""
        when = time.perf_counter()
        if not data:
            self._reap(block=True)
            raise Failure(f"attnscope exited ({self._status_text()})")
        self.screen.feed(data, when)
        for reply in self.screen.replies:
            os.write(self.fd, reply)
        self.screen.replies.clear()
        return when

    def wait(self, pred, what, timeout, on_chunk=None):
        """Pump until PRED() holds; the time the bytes that made it hold were
        read (before this script parsed them)."""
        deadline = time.perf_counter() + timeout
        last = time.perf_counter()
        while True:
            if pred():
                return last
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Failure(f"timed out after {timeout:g} s waiting for {what}")
            when = self.pump(min(left, 0.5))
            if when is not None:
                last = when
                if on_chunk:
                    on_chunk()

    def idle_for(self, seconds):
        """Keep reading (so the explorer never blocks on a full pty) for SECONDS."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.pump(left)

    def _reap(self, block):
        if self.exit_status is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self.exit_status = -1
            return True
        if pid == 0:
            return False
        self.exit_status = status
        return True

    def _status_text(self):
        s = self.exit_status
        if s is None or s < 0:
            return "status unknown"
        if os.WIFSIGNALED(s):
            return f"killed by signal {os.WTERMSIG(s)}"
        return f"exit status {os.WEXITSTATUS(s)}"

    def close(self):
        """Ctrl-C, then SIGTERM, then SIGKILL; never leaves the child behind."""
        steps = [(None, 3.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)]
        for sig, grace in steps:
            if self._reap(block=False):
                break
            try:
                if sig is None:
                    os.write(self.fd, CTRL_C)
                else:
                    os.kill(self.pid, sig)
            except OSError:
                pass
            end = time.perf_counter() + grace
            while time.perf_counter() < end and not self._reap(block=False):
                try:
                    r, _, _ = select.select([self.fd], [], [], 0.05)
                    if r:
                        os.read(self.fd, 1 << 16)
                except OSError:
                    time.sleep(0.05)
        self._reap(block=True)
        try:
            os.close(self.fd)
        except OSError:
            pass


# ---------------------------------------------------------------------------
# The measurement.

def nearest_rank(xs, p):
    s = sorted(xs)
    return s[max(0, math.ceil(p * len(s)) - 1)]


def summary(name, xs):
    if not xs:
        return f"  {name:<44} {0:>3}        -        -        -        -"
    ms = [x * 1000 for x in xs]
    return (f"  {name:<44} {len(ms):>3} {statistics.median(ms):>8.2f} "
            f"{nearest_rank(ms, 0.9):>8.2f} {max(ms):>8.2f} {min(ms):>8.2f}")


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def precheck(args, env):
    """Count the sentence's tokens, and fail early on a bad model or text."""
    cmd = [args.bin, "--model", args.model, "--text", args.text,
           "--dump", "json", "--layer", "0", "--head", "0"]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"`{' '.join(cmd[:3])} ... --dump json` took over {args.timeout:g} s")
    except OSError as e:
        raise Failure(f"cannot run {args.bin}: {e.strerror}")
    if p.returncode != 0:
        msg = p.stderr.decode(errors="replace").strip() or f"exit status {p.returncode}"
        raise Failure(f"attnscope --dump failed: {msg}")
    dump = json.loads(p.stdout)
    info = subprocess.run([args.bin, "--info", "--model", args.model], env=env,
                          capture_output=True, timeout=args.timeout)
    context = re.search(rb"^context:\s+(\d+)", info.stdout, re.M)
    return dump.get("model", "?"), len(dump["tokens"]), int(context.group(1)) if context else None


class Run:
    def __init__(self, ex, args):
        self.ex, self.args = ex, args
        self.scr = ex.screen
        self.edit_row = None
        self.nbytes = None

    def edit_state(self):
        """(bytes, computing) from the "editing:" line, or None."""
        for r in range(self.scr.rows):
            m = EDIT_RE.search(self.scr.line(r))
            if m:
                return int(m.group(1)), m.group(2) is not None
        return None

    def drawn(self):
        """Whether a redraw has ended: the explorer puts the terminal's cursor
        back on the sentence line last, so a read that stops elsewhere (or
        inside an escape sequence) has caught a redraw half sent."""
        return self.scr.y == self.edit_row and not self.scr.pending

    def settled(self, nbytes):
        """The sentence is NBYTES long and nothing is being computed."""
        return lambda: self.drawn() and self.edit_state() == (nbytes, False)

    def start(self):
        scr, t = self.scr, self.args.timeout

        def ready():
            lines = [scr.line(r) for r in range(scr.rows)]
            return (lines[0].startswith(" attnscope")
                    and not any("computing" in ln for ln in lines)
                    and any("→" in ln for ln in lines[-3:]))
        self.ex.wait(ready, "the first forward pass to be drawn", t)
        attrs = termios.tcgetattr(self.ex.fd)
        if attrs[3] & termios.ECHO:
            raise Failure("the terminal echoes input itself: the explorer has not set it up")
        self.ex.write(b"e")

        def editing():
            rows = [r for r in range(scr.rows) if "editing:" in scr.line(r)]
            self.edit_row = rows[0] - 1 if rows else None
            return self.edit_row is not None and self.drawn() and not self.edit_state()[1]
        self.ex.wait(editing, "edit mode (the 'editing: N bytes' line)", t)
        self.nbytes = self.edit_state()[0]
        want = len(self.args.text.encode())
        if self.nbytes != want:
            raise Failure(f"the explorer says the sentence is {self.nbytes} bytes, not {want}")
        if self.args.at == "start":
            self.ex.write(CTRL_A)
            self.ex.wait(lambda: (scr.y, scr.x) == (self.edit_row, 1),
                         "the edit cursor to reach the start of the sentence (Ctrl-A)", t)

    def choose_keys(self):
        if self.args.keys:
            a, b = self.args.keys
        else:
            shown = self.scr.text() + self.args.text
            free = [c for c in KEY_CANDIDATES if c not in shown]
            if len(free) < 2:
                raise Failure(f"no two of {KEY_CANDIDATES} are absent from the screen and "
                              "the sentence; name two with --keys")
            a, b = free[0], free[1]
        return a, b

    def type_and_echo(self, ch, what, on_chunk=None):
        """Write CH; the time it was written and the time its echo was read."""
        self.scr.watch(ch, self.edit_row)
        t0 = self.ex.write(ch.encode())
        t1 = self.ex.wait(lambda: self.scr.hit is not None, f"the echo of {what} {ch!r}",
                          self.args.timeout, on_chunk)
        return t0, t1

    def undo(self, count):
        self.ex.write(BACKSPACE * count)
        self.ex.wait(self.settled(self.nbytes), "the sentence to be restored after Backspace",
                     self.args.timeout)

    def idle_trial(self, b):
        """Echo of B with no pass in flight, and the pass it starts."""
        n = self.nbytes
        self.ex.wait(self.settled(n), "the indicator to go off", self.args.timeout)
        self.ex.idle_for(self.args.settle / 1000)
        t0, t1 = self.type_and_echo(b, "key")
        seen = [False]

        def note():
            if self.drawn():
                st = self.edit_state()
                seen[0] |= st is not None and st[1]
        note()
        t2 = self.ex.wait(self.settled(n + 1), "the forward pass (the indicator to go off)",
                          self.args.timeout, note)
        self.undo(1)
        return t1 - t0, t2 - t0, seen[0]

    def busy_trial(self, a, b, delay):
        """Echo of B typed while A's pass runs; whether the pass was in flight."""
        n = self.nbytes
        self.ex.wait(self.settled(n), "the indicator to go off", self.args.timeout)
        self.ex.idle_for(self.args.settle / 1000)
        self.type_and_echo(a, "first key")
        self.ex.idle_for(delay)
        in_flight = [self.edit_state() == (n + 1, True)]

        def note():
            # Until B's echo the line says n+1 bytes; with B's echo, n+2.
            if self.drawn():
                st = self.edit_state()
                if st is None or not st[1]:
                    in_flight[0] = False
        t0, t1 = self.type_and_echo(b, "second key", note)
        t2 = self.ex.wait(self.settled(n + 2), "the forward passes to end", self.args.timeout)
        self.undo(2)
        return t1 - t0, in_flight[0], t2 - t0


def parse_size(s):
    m = re.fullmatch(r"(\d+)x(\d+)", s)
    if not m:
        raise argparse.ArgumentTypeError("COLSxROWS, e.g. 80x24")
    cols, rows = int(m.group(1)), int(m.group(2))
    if cols < 40 or rows < 12:
        raise argparse.ArgumentTypeError("the explorer needs at least 40x12")
    return cols, rows


def parse_delay(s):
    if s == "auto":
        return None
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError("milliseconds or auto")
    if v < 0:
        raise argparse.ArgumentTypeError("milliseconds or auto")
    return v / 1000


def parse_keys(s):
    if len(s) != 2 or not all(c.isprintable() and c != " " and ord(c) < 128 for c in s):
        raise argparse.ArgumentTypeError("two printable ASCII characters, e.g. QZ")
    return s


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog=__doc__[__doc__.index("Examples"):],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=DEFAULT_BIN,
                    help="the attnscope binary (default: %(default)s)")
    ap.add_argument("--model", "-m", default=DEFAULT_MODEL,
                    help="GGUF model (default: %(default)s)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--text", "-t", help=f'the sentence (default: "{DEFAULT_TEXT}")')
    g.add_argument("--words", type=int, metavar="N",
                   help="a sentence of N short lower-case words (about 2.4 tokens a word "
                        "with the random models' toy tokenizer)")
    ap.add_argument("--trials", "-k", type=int, default=20, metavar="K",
                    help="trials of each kind (default: %(default)s)")
    ap.add_argument("--warmup", type=int, default=2, metavar="W",
                    help="idle trials first, not counted; they start --delay auto "
                         "(default: %(default)s)")
    ap.add_argument("--at", choices=("start", "end"), default="start",
                    help="type in front of the sentence (a full recompute; the default) "
                         "or after it (a recompute from the last word)")
    ap.add_argument("--delay", type=parse_delay, default=None, metavar="MS|auto",
                    help="from the first key's echo to the second key (default: auto, "
                         "half the median idle pass so far less the median idle echo)")
    ap.add_argument("--settle", type=float, default=300, metavar="MS",
                    help="quiet time after a pass before each trial's first key, so "
                         "OpenBLAS threads have stopped spinning (default: %(default)g)")
    ap.add_argument("--keys", type=parse_keys, metavar="AB",
                    help="the two characters typed (default: two of "
                         f"{KEY_CANDIDATES} absent from the screen)")
    ap.add_argument("--size", type=parse_size, default=(80, 24), metavar="COLSxROWS",
                    help="terminal size (default: 80x24)")
    ap.add_argument("--term", default="xterm-256color", help="TERM (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=120, metavar="S",
                    help="longest wait for any one step (default: %(default)g)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every trial")
    args = ap.parse_args()
    if args.trials < 1 or args.warmup < 0:
        ap.error("--trials must be at least 1 and --warmup at least 0")
    if args.words is not None:
        if args.words < 1:
            ap.error("--words must be at least 1")
        args.text = " ".join(WORDS[i % len(WORDS)] for i in range(args.words)) + "."
    elif args.text is None:
        args.text = DEFAULT_TEXT
    if not args.text or "\n" in args.text:
        ap.error("--text: one non-empty line")
    if args.keys and (args.keys[0] == args.keys[1] or any(c in args.text for c in args.keys)):
        ap.error("--keys: two different characters, neither of them in the sentence")

    # Termination by a signal goes through the finally below, which ends
    # the explorer.
    def terminated(*_):
        print("keylatency: terminated", file=sys.stderr)
        sys.exit(143)
    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    confdir = tempfile.mkdtemp(prefix="keylatency-")
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
    env.update(TERM=args.term, LANG="C.UTF-8", LC_ALL="C.UTF-8", XDG_CONFIG_HOME=confdir,
               ATTNSCOPE_MODEL=args.model)
    ex = None
    try:
        name, ntok, context = precheck(args, env)
        cols, rows = args.size
        argv = [args.bin, "--model", args.model, "--text", args.text]
        load0 = loadavg()
        ex = Explorer(argv, env, rows, cols)
        run = Run(ex, args)
        run.start()
        a, b = run.choose_keys()

        all_passes, all_echoes = [], []  # the idle trials', warm-up included
        for _ in range(args.warmup):
            e, p, _ = run.idle_trial(b)
            all_passes.append(p)
            all_echoes.append(e)
        idle_echo, busy_echo, passes, missed, delays, early_pass = [], [], [], [], [], 0
        busy_result = []  # second key -> its result drawn, when A's pass was in flight
        for i in range(args.trials):
            e, p, seen = run.idle_trial(b)
            idle_echo.append(e)
            passes.append(p)
            all_passes.append(p)
            all_echoes.append(e)
            early_pass += not seen
            delay = args.delay
            if delay is None:
                # A's echo comes about an echo latency after the key, and
                # its pass ends about a pass after the key.
                delay = max(0.0, statistics.median(all_passes) / 2
                            - statistics.median(all_echoes))
            delays.append(delay)
            e2, ok, r2 = run.busy_trial(a, b, delay)
            (busy_echo if ok else missed).append(e2)
            if ok:
                busy_result.append(r2)
            if args.verbose:
                print(f"  trial {i + 1:>3}: idle echo {e * 1000:7.2f} ms  pass "
                      f"{p * 1000:8.2f} ms{'' if seen else ' (done before the echo)'}  "
                      f"busy echo {e2 * 1000:7.2f} ms{'' if ok else ' (no pass in flight)'}",
                      flush=True)
        load1 = loadavg()
    except Failure as e:
        print(f"keylatency: {e}", file=sys.stderr)
        if ex is not None:
            print("keylatency: the last screen:", file=sys.stderr)
            for r in range(ex.screen.rows):
                print("  |" + ex.screen.line(r).rstrip(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("keylatency: interrupted", file=sys.stderr)
        return 130
    finally:
        if ex is not None:
            ex.close()
        shutil.rmtree(confdir, ignore_errors=True)

    where = ("in front of the first word: every key changes the first token, "
             "a full recompute" if args.at == "start" else
             "after the last word: a recompute from the first changed token only")
    how = "\n            (auto: half the median idle pass so far less the median idle echo)" \
        if args.delay is None else ""
    if min(delays) == max(delays):
        delay_text = f"{delays[0] * 1000:.1f} ms"
    else:
        delay_text = f"{min(delays) * 1000:.1f}-{max(delays) * 1000:.1f} ms"
    out = [
        "attnscope keystroke-to-echo latency in edit mode",
        f"  run as    {' '.join(shlex.quote(a) for a in sys.argv)}",
        f"  explorer  {' '.join(argv[:3])} --text <{len(args.text.encode())} bytes>",
        f"  model     {name}: the sentence is {ntok} tokens (BOS included)"
        + (f", context {context}" if context else ""),
        f"  typing    {where}",
        f"  terminal  {cols}x{rows}, TERM={args.term}, LANG=C.UTF-8, a pty read by this tool",
        f"  machine   {os.cpu_count()} CPUs, load average {load0} at the start, "
        f"{load1} at the end",
        f"  idle      {b!r} typed with nothing computing ({args.settle:g} ms after the last pass)",
        f"  busy      {a!r} typed (it starts a pass), then {b!r} {delay_text} after "
        f"the echo of {a!r}{how}",
        f"  trials    {args.trials} of each kind, alternated, after {args.warmup} idle warm-up",
        "",
        f"  {'(milliseconds)':<44} {'n':>3} {'median':>8} {'p90':>8} {'max':>8} {'min':>8}",
        summary("echo, nothing computing (idle)", idle_echo),
        summary("echo, a forward pass in flight (busy)", busy_echo),
        summary("forward pass (idle key -> 'computing…' off)", passes),
        summary("busy: second key -> 'computing…' off", busy_result),
        "",
        "  echo: from writing the key to the pty until the typed character is drawn",
        "  on the sentence line.  forward pass: from the key of an idle trial until",
        "  the indicator goes off (tokenize, the pass, the redraw with the result).",
        "  busy, second key -> off: until the result for the text with both keys is",
        "  drawn; the first key's pass was in flight when the second key came.",
    ]
    notes = []
    if missed:
        notes.append(f"{len(missed)} busy trial(s) not counted: the first key's pass had ended "
                     f"before the second key's echo (their echoes: median "
                     f"{statistics.median(missed) * 1000:.2f} ms).")
    if early_pass:
        notes.append(f"{early_pass} pass(es) ended before the key's echo was drawn (the "
                     "indicator never showed): their time is that of the redraw after the echo.")
    for note in notes:
        out += textwrap.wrap(note, 76, initial_indent="  ", subsequent_indent="  ")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
