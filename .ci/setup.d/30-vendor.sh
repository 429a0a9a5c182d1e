# Vendors MediaPipe's web pose build for the live page (make/web.mk: the pinned npm tarball,
# sha512-checked, into src/hingecoach/web/static/vendor/mediapipe-pose). Sourced by .ci/run;
# needs only python3 and the npm registry (the venv is made later, by `make test`). Under CI=true
# the live page's browser test fails without these files (tests/integration/web/test_live_browser.py).
make vendor
