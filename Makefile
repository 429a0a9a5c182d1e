# hingecoach — the two commands a newcomer needs: `make demo` and `make test`.
# Area-specific targets live in make/*.mk (one file per area, included below).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
DEMO_CLIP ?= bench/clips/demo_rdl.mp4
DEMO_OUT ?= out/demo
BENCH_ARGS ?=

.PHONY: venv demo test lint typecheck unit bench eval clean

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PYTHON) || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

demo: venv
	$(BIN)/hinge analyze $(DEMO_CLIP) --out $(DEMO_OUT)
	@echo "Demo outputs written to $(DEMO_OUT)/"

lint: venv
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/hingecoach
	$(BIN)/lint-imports  # the core never imports an edge (docs/architecture.md, [tool.importlinter])

# pytest-xdist: one worker per core, at most 4 (two pose-heavy groups bound the gain). A test
# goes to any free worker, except the files that run pose estimation on whole clips: each group
# of them stays on one worker, so no pose track is computed twice (tests/conftest.py).
TEST_JOBS ?= auto
unit: venv
	$(BIN)/pytest -q -n $(TEST_JOBS) --maxprocesses 4 --dist loadgroup tests

test: lint unit

# Every figure of issue #20 (several minutes); some: make bench BENCH_ARGS="--only jobs,batch"
bench: venv
	$(BIN)/hinge bench $(BENCH_ARGS)

eval: venv
	$(BIN)/hinge eval --write docs/accuracy.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache out

-include make/*.mk

# The lite and heavy BlazePose landmark models (the full one ships in the mediapipe wheel):
# from the npm package @mediapipe/pose (Apache-2.0), placed where mediapipe looks for them.
MP_POSE_NPM := @mediapipe/pose@0.5.1675469404
.PHONY: models
models: venv
	mkdir -p .cache/models
	cd .cache/models && (ls mediapipe-pose-*.tgz >/dev/null 2>&1 || npm pack $(MP_POSE_NPM) >/dev/null)
	cd .cache/models && tar xzf mediapipe-pose-*.tgz package/pose_landmark_lite.tflite package/pose_landmark_heavy.tflite
	$(PYTHON) -c "import mediapipe, pathlib, shutil; d = pathlib.Path(mediapipe.__file__).parent / 'modules/pose_landmark'; [shutil.copy(f'.cache/models/package/pose_landmark_{m}.tflite', d) for m in ('lite', 'heavy')]"
	@echo "BlazePose lite and heavy models installed."
