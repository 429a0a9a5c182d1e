"""These tests drive the renderer: they run under .venv-synth (make test-synth: torch, anny,
pyrender) with OSMesa (Debian's libosmesa6) for pyrender's off-screen rendering on the CPU.

Where either is absent each file here reports one skip with the reason, without being imported
(its imports need both): a missing OSMesa skips by the suite's policy (tests/needs.py; under
CI=true it fails); the main .venv, which runs ``pytest tests``, lacks the renderer's packages:
those tests run in ``make test-synth``."""

from __future__ import annotations

from pathlib import Path

import pytest
from needs import has_module, osmesa_found, requires

_DEPS = ("torch", "anny", "pyrender", "av")


class _NotRunnableHere(pytest.File):
    """A test file of the renderer that cannot run in this environment: one skip, no import."""

    def collect(self):
        requires("OSMesa (libOSMesa.so), which the renderer tests need", osmesa_found(),
                 "apt-get install libosmesa6, then make test-synth")
        missing = [m for m in _DEPS if not has_module(m)]
        pytest.skip(f"the renderer tests run under .venv-synth (make test-synth): no {', '.join(missing)} here")


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if osmesa_found() and all(has_module(m) for m in _DEPS):
        return None
    return _NotRunnableHere.from_parent(parent, path=module_path)
