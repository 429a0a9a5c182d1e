"""``hinge batch`` and ``hinge analyze --jobs`` usage errors: one line on stderr, exit 2, and no
Ray started (the batches themselves: tests/integration/test_batch.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hingecoach.cli import main


@pytest.mark.parametrize("args, message", [
    (["batch", "{tmp}/nothing"], "no such folder or manifest"),
    (["batch", "{tmp}", "--engine", "spark"], "unknown engine 'spark'"),
    (["batch", "{tmp}", "--engine", "local", "--address", "auto"], "--address is a Ray cluster's"),
    (["analyze", "{tmp}/a.mp4", "--jobs", "0"], "--jobs"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str,
                                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.mp4").write_bytes(b"not really a video")
    monkeypatch.setattr(sys, "argv", ["hinge", *[a.format(tmp=tmp_path) for a in args]])
    monkeypatch.setenv("HINGE_DEBUG", "1")   # keep stderr where capsys sees it
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
