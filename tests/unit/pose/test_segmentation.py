"""The silhouette at the pose model's crop (``segmentation=True``) measures what the full-frame
mask of ``solutions.pose`` measured, and leaves the landmarks untouched.

Runs BlazePose (full) on the first frames of a committed bench clip; skips without mediapipe or
its full model (under CI=true fails: tests/needs.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from needs import has_module, requires

from hingecoach.core.track.skeletons import BLAZEPOSE33
from hingecoach.pose.silhouette import profile_from_landmarks

CLIP = Path(__file__).resolve().parents[3] / "bench" / "clips" / "rdl_rounded_back_side.mp4"
FRAMES = 40


@pytest.fixture(autouse=True, scope="module")
def _blazepose() -> None:
    """mediapipe and its BlazePose full model (shipped in the wheel)."""
    requires("mediapipe", has_module("mediapipe"), "pip install -r requirements.lock (make venv)")
    from hingecoach.pose.mediapipe_backend import model_path

    requires(f"the BlazePose full model ({model_path('full')})", model_path("full").exists(),
             "pip install --force-reinstall mediapipe==0.10.21")


@given(x=st.floats(0.1, 0.9), y=st.floats(0.1, 0.9), w=st.floats(0.1, 1.2), h=st.floats(0.1, 1.2),
       rot=st.floats(-math.pi, math.pi))
@settings(max_examples=60, deadline=None)
def test_roi_to_mask_is_opencvs_rect_to_crop_map(x: float, y: float, w: float, h: float, rot: float) -> None:
    """The closed form equals the map MediaPipe's ImageToTensorCalculator builds with OpenCV:
    the rect padded to a square, its box points sent to the crop's corners."""
    from hingecoach.pose.mediapipe_backend import ROI_SIZE, roi_to_mask

    size = (640, 480)
    rect = SimpleNamespace(x_center=x, y_center=y, width=w, height=h, rotation=rot)
    side = max(w * size[0], h * size[1])
    box = cv2.boxPoints(((x * size[0], y * size[1]), (side, side), math.degrees(rot))).astype(np.float32)
    ref = cv2.getAffineTransform(box[:3], np.float32([[0, ROI_SIZE], [0, 0], [ROI_SIZE, 0]]))
    np.testing.assert_allclose(roi_to_mask(rect, size), ref, atol=2e-3 * max(1.0, np.abs(ref).max()))


def test_the_graph_no_longer_makes_the_full_frame_mask() -> None:
    """What made the full-frame mask (the warp, its smoothing) is gone; the crop's mask and its
    placement are outputs."""
    from hingecoach.pose.mediapipe_backend import roi_mask_graph

    cfg = roi_mask_graph()
    calculators = {n.calculator for n in cfg.node}
    assert "WarpAffineCalculator" not in calculators and "SegmentationSmoothingCalculator" not in calculators
    assert "TensorsToSegmentationCalculator" in calculators
    assert {"ROI_SEGMENTATION_MASK:roi_segmentation_mask", "ROI:pose_rect"} <= set(cfg.output_stream)


def test_crop_mask_profile_matches_the_full_frame_mask() -> None:
    """Same landmarks as without segmentation (bit for bit), and trunk edges within a small
    fraction of a pixel of those measured on the full-frame mask of solutions.pose."""
    requires(f"the bench clip {CLIP.name}", CLIP.exists(), "it is committed: git checkout -- bench/clips")
    from mediapipe.python.solutions import pose as mp_pose

    from hingecoach.io.video import iter_frames, probe
    from hingecoach.pose.mediapipe_backend import MediaPipePose

    with_seg, without = MediaPipePose("full", segmentation=True), MediaPipePose("full", segmentation=False)
    stock = mp_pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=False,
                         enable_segmentation=True)
    new, old = [], []
    try:
        for _, f in zip(range(FRAMES), iter_frames(probe(CLIP)), strict=False):
            a, b = with_seg.process(f.rgb, f.t_s), without.process(f.rgb, f.t_s)
            ref = stock.process(f.rgb)
            np.testing.assert_array_equal(a.xy, b.xy)
            np.testing.assert_array_equal(a.confidence, b.confidence)
            if a.people == 0 or ref.segmentation_mask is None:
                continue
            assert a.profile is not None and b.profile is None
            new.append(a.profile)
            old.append(profile_from_landmarks(ref.segmentation_mask, a.xy, BLAZEPOSE33))
    finally:
        for est in (with_seg, without):
            est.close()
        stock.close()
    assert len(new) >= FRAMES // 2
    new_a, old_a = np.array(new), np.array(old)
    found = np.isfinite(old_a[..., 0])
    assert np.mean(np.isfinite(new_a[..., 0]) == found) > 0.995
    d = np.hypot(*(new_a - old_a)[found].T)
    d = d[np.isfinite(d)]
    assert np.median(d) < 0.1 and np.mean(d < 0.5) > 0.99
