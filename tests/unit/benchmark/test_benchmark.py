"""The benchmark's own helpers (the numbers themselves live in `make bench`, never in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hingecoach.benchmark import _PEAK_RSS_CODE, _looped
from hingecoach.io.video import probe

DEMO = Path(__file__).resolve().parents[3] / "bench" / "clips" / "demo_rdl.mp4"


def test_looped_clip_plays_the_clip_n_times(tmp_path):
    once = probe(DEMO)
    thrice = probe(_looped(DEMO, 3, tmp_path))
    assert thrice.frame_count == 3 * once.frame_count
    assert thrice.fps == once.fps and (thrice.width, thrice.height) == (once.width, once.height)
    assert _looped(DEMO, 1, tmp_path) == DEMO


def test_peak_memory_is_the_child_own_not_the_parent(tmp_path):
    # A parent holding ~400 MB starts the child: the child's peak must not include it (the
    # kernel's ru_maxrss after fork+exec does).
    code = ("import subprocess, sys\n"
            "big = bytearray(b'x') * (400 * 1024 * 1024)\n"
            f"child = {_PEAK_RSS_CODE + 'print(_peak_mb())'!r}\n"
            "print(subprocess.run([sys.executable, '-c', child], capture_output=True, text=True).stdout)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.split()[-1]) < 200
