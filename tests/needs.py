"""What the suite needs beyond the Python packages of requirements.lock, and the one policy for
when it is absent (tests/conftest.py): the test skips, its reason naming what is missing and
the command that installs it; under ``CI=true`` it fails with the same reason, because CI
installs everything (.ci/apt/*.txt, .ci/setup.d/*.sh) and a skip there would hide a broken set-up.

Standard library and pytest only: the renderer tests import this under .venv-synth too.
"""

from __future__ import annotations

import ctypes.util
import functools
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
CHROMIUM = Path("/usr/bin/chromium")
#: How the browser tests start Debian's Chromium here: headless, as root, and quiet on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def in_ci() -> bool:
    """``CI=true`` (set by .ci/run, and by most CI services)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def requires(what: str, available: bool, how_to_install: str) -> None:
    """Skip (under CI: fail) unless ``available``, with the reason ``missing <what>: <how>``.

    Call it from a fixture (the skip is then reported at the test that asked for it) or from a
    collector; ``what`` names the missing thing, ``how_to_install`` the apt/pip command or step.
    """
    __tracebackhide__ = True  # report the caller, not this line
    if available:
        return
    reason = f"missing {what}: {how_to_install}"
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing requirement fails instead of skipping)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def has_module(name: str) -> bool:
    """Whether ``name`` can be imported (without importing it)."""
    return importlib.util.find_spec(name) is not None


@functools.cache
def osmesa_found() -> bool:
    """Mesa's off-screen OpenGL (libOSMesa.so), which pyrender renders with on the CPU."""
    return ctypes.util.find_library("OSMesa") is not None
