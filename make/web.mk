# The web app's live page (docs/web.md, README "Live coaching in the browser"): MediaPipe's web
# pose build, vendored from the pinned npm package @mediapipe/pose into the app's static folder
# (git-ignored; no CDN). Needs only python3 and the npm registry (no npm, no venv); `make demo`
# and `make venv` do not need it. The tarball is cached in .cache/models.
.PHONY: vendor
vendor:
	$(firstword $(wildcard $(PYTHON)) python3) tools/vendor_pose.py
