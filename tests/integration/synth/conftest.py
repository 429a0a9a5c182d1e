"""Shared paths for the synthetic-bench tests (tools/synth, bench/)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SYNTH = ROOT / "tools" / "synth"
if str(SYNTH) not in sys.path:
    sys.path.insert(0, str(SYNTH))
