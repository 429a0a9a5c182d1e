"""Vendor MediaPipe's web pose build for the live page (`make vendor`).

Fetches the pinned npm package ``@mediapipe/pose`` (Apache-2.0) straight from the npm registry
(no npm needed), checks the tarball against its pinned sha512 integrity, and extracts what the
browser needs -- ``pose.js``, the wasm binaries and their loaders, the graph
(``pose_web.binarypb``), the packed assets and the BlazePose *full* landmark model -- into
``src/hingecoach/web/static/vendor/mediapipe-pose/`` (git-ignored; served at
``/static/vendor/mediapipe-pose/``). The tarball is cached in ``.cache/models`` (where
``make models`` keeps the same file), so a second run is offline. Standard library only.

Run: python3 tools/vendor_pose.py [--force]
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE, VERSION = "@mediapipe/pose", "0.5.1675469404"
TARBALL_URL = "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
#: The registry's ``dist.integrity`` of that version (``npm view @mediapipe/pose@0.5.1675469404 dist``).
INTEGRITY = "sha512-DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
CACHE = ROOT / ".cache" / "models" / "mediapipe-pose-0.5.1675469404.tgz"   # `npm pack`'s name for it
DEST = ROOT / "src" / "hingecoach" / "web" / "static" / "vendor" / "mediapipe-pose"
#: What the browser loads: pose.js picks the SIMD wasm where the browser has SIMD, else the plain one.
FILES = (
    "pose.js",
    "pose_web.binarypb",
    "pose_solution_packed_assets_loader.js",
    "pose_solution_packed_assets.data",
    "pose_solution_simd_wasm_bin.js",
    "pose_solution_simd_wasm_bin.wasm",
    "pose_solution_simd_wasm_bin.data",
    "pose_solution_wasm_bin.js",
    "pose_solution_wasm_bin.wasm",
    "pose_landmark_full.tflite",
    "package.json",
    "README.md",
)


def _verified(data: bytes) -> bytes:
    algo, _, expected = INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"error: {PACKAGE}@{VERSION}: the tarball's {algo} is {digest}, expected {expected}")
    return data


def tarball() -> bytes:
    """The package tarball, checked; from the cache when there, else from the registry."""
    if CACHE.is_file():
        try:
            return _verified(CACHE.read_bytes())
        except SystemExit:
            CACHE.unlink()   # a broken download: fetch it again
    print(f"fetching {PACKAGE}@{VERSION} from the npm registry ({TARBALL_URL})", file=sys.stderr)
    with urllib.request.urlopen(TARBALL_URL, timeout=120) as response:
        data = _verified(response.read())
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    tmp = CACHE.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(CACHE)
    return data


def main(argv: list[str]) -> int:
    stamp = DEST / ".version"
    if "--force" not in argv and stamp.is_file() and stamp.read_text().strip() == VERSION \
            and all((DEST / f).is_file() for f in FILES):
        print(f"{DEST.relative_to(ROOT)}: {PACKAGE}@{VERSION} already vendored")
        return 0
    data = tarball()
    DEST.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name in FILES:
            member = tar.getmember(f"package/{name}")
            source = tar.extractfile(member)
            if source is None:
                raise SystemExit(f"error: {name} is not a file in {PACKAGE}@{VERSION}")
            target = DEST / name
            target.write_bytes(source.read())
            target.chmod(0o644)
    stamp.write_text(VERSION + "\n")
    print(f"{DEST.relative_to(ROOT)}: {PACKAGE}@{VERSION} vendored ({len(FILES)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
