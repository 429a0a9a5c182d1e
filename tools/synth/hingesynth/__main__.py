"""CLI: ``python -m hingesynth render SCENARIO.json --out DIR`` and
``python -m hingesynth bench --out bench/`` (run with PYTHONPATH=tools/synth)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .rig import cache_env


def main(argv: list[str] | None = None) -> int:
    cache_env()
    ap = argparse.ArgumentParser(prog="hingesynth", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="render one scenario JSON file")
    r.add_argument("scenario", type=Path)
    r.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("bench", help="render the bench set listed in bench.json")
    b.add_argument("--out", type=Path, default=Path("bench"))
    b.add_argument("--only", nargs="*", help="clip names to (re)render")
    b.add_argument("--jobs", type=int, default=1, help="clips rendered in parallel")
    sub.add_parser("list", help="print the bench clip names")
    args = ap.parse_args(argv)
    from . import bench
    from .clip import render_clip

    try:
        if args.cmd == "render":
            render_clip(json.loads(args.scenario.read_text()), args.out)
        elif args.cmd == "bench":
            bench.build(args.out, only=args.only, jobs=args.jobs)
        elif args.cmd == "list":
            for s in bench.scenarios():
                print(s["name"])
    except ValueError as e:
        print(f"hingesynth: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
