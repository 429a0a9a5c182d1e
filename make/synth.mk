# Synthetic athlete (tools/synth, package hingesynth): its own venv because anny pulls
# numpy 2 and torch, while the main .venv pins numpy 1.26 for mediapipe.
SYNTH_VENV := .venv-synth
SYNTH_PY := $(SYNTH_VENV)/bin/python
SYNTH_STAMP := $(SYNTH_VENV)/.installed
SYNTH_ENV := PYTHONPATH=$(CURDIR)/tools/synth PYOPENGL_PLATFORM=osmesa \
	ANNY_CACHE_DIR=$(CURDIR)/.cache/anny WARP_CACHE_PATH=$(CURDIR)/.cache/warp
SYNTH_JOBS ?= 2

.PHONY: synth-venv synth test-synth

synth-venv: $(SYNTH_STAMP)

# torch first, by its exact version only: pip takes the CPU wheel on this machine's disk.
$(SYNTH_STAMP): tools/synth/requirements.txt
	@test -x $(SYNTH_PY) || $(PY) -m venv $(SYNTH_VENV) || python3 -m venv $(SYNTH_VENV)
	$(SYNTH_PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(SYNTH_PY) -m pip install -q --disable-pip-version-check --no-deps -r tools/synth/requirements.txt
	@touch $@

# Regenerates bench/ bit-for-bit (about 25 min on 2 cores; the first run also builds
# anny's model cache, ~3 min and ~790 MB under .cache/).
synth: synth-venv
	$(SYNTH_ENV) $(SYNTH_PY) -m hingesynth bench --out bench --jobs $(SYNTH_JOBS)

test-synth: synth-venv
	$(SYNTH_ENV) $(SYNTH_PY) -m pytest -q -p no:cacheprovider tests/integration/synth/render

# `make test` runs the renderer tests only where OSMesa is installed: without it they cannot
# run, so it neither builds .venv-synth (torch) nor runs them, and says so in one line; under
# CI=true (.ci/run installs libosmesa6, .ci/apt/synth.txt) a missing OSMesa is an error.
OSMESA = $(shell { $(PY) -c 'import ctypes.util; print(ctypes.util.find_library("OSMesa") or "")' || \
	python3 -c 'import ctypes.util; print(ctypes.util.find_library("OSMesa") or "")'; } 2>/dev/null)
.PHONY: test-synth-if-osmesa
test-synth-if-osmesa:
	@if [ -n "$(OSMESA)" ]; then $(MAKE) --no-print-directory test-synth; \
	elif [ "$(CI)" = true ]; then \
	  echo "error: OSMesa (libOSMesa.so), which the renderer tests need, is missing: apt-get install libosmesa6 (.ci/apt/synth.txt)" >&2; exit 1; \
	else echo "make test: renderer tests (tests/integration/synth/render) skipped: OSMesa (libOSMesa.so) is missing; apt-get install libosmesa6 to run them"; fi

test: test-synth-if-osmesa

# The graded spine-flexion set that calibrates the back silhouette (hingecoach.core.spine.outline,
# docs/back.md): 14 clips under .cache/backcal/clips, ~10 min on 2 cores.
.PHONY: backcal
backcal: synth-venv venv
	$(SYNTH_ENV) $(SYNTH_PY) -m hingesynth.backcal --out .cache/backcal/clips
	$(BIN)/hinge back calibrate --gt-dir .cache/backcal/clips --cache .cache/backcal/tracks
