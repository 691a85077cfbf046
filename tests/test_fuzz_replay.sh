#!/bin/sh
# test_fuzz_replay.sh - every committed fuzz crash input and every seed, run
# once through its harness under ASan+UBSan (no fuzzing): see tests/fuzz/.
exec sh "${ATTNSCOPE_SRCDIR:-..}/tests/fuzz/replay.sh" "${ATTNSCOPE_BUILDDIR:-..}"
