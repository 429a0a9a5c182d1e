"""The side-by-side video's helpers: B's frame for each of A's, mirroring, the layout."""

from __future__ import annotations

import numpy as np

from hingecoach.comparison.video import _layout, b_frame_indices, mirrored_model
from hingecoach.core.compare import compare_sets
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.report.model import build_model


def _set(**kwargs):
    track = fake_hinge_track(hinge_movement(**kwargs))
    analysis, tf = analyze_track(track)
    return analysis.to_dict(), tf


def test_b_frames_follow_the_warp_and_never_go_back() -> None:
    doc_a, tf_a = _set()
    doc_b, tf_b = _set(rep_s=4.5, pause_s=1.5)
    c = compare_sets(doc_a, doc_b)
    ta, tb = tf_a.track.timestamps_s, tf_b.track.timestamps_s
    j = b_frame_indices(ta, tb, c)
    assert len(j) == len(ta) and np.all(np.diff(j) >= 0) and j.min() >= 0 and j.max() < len(tb)
    for p in c.pairs:   # at A's bottom, B shows its bottom (to the nearest frame)
        i = int(np.searchsorted(ta, p.a.bottom_s))
        assert abs(tb[j[i]] - float(c.warp.to_b(ta[i]))) <= 0.5 / 30 + 1e-9
        assert abs(tb[j[i]] - p.b.bottom_s) <= 2 / 30


def test_mirroring_flips_the_keypoints_and_the_facing() -> None:
    doc, tf = _set()
    model = build_model(doc, tf)
    flipped = mirrored_model(model, 640)
    assert flipped.doc["facing"] == ("left" if doc["facing"] == "right" else "right")
    finite = np.isfinite(model.xy[..., 0])
    assert np.allclose(flipped.xy[..., 0][finite], 639 - model.xy[..., 0][finite])
    assert np.allclose(flipped.xy[..., 1][finite], model.xy[..., 1][finite])
    assert np.allclose(flipped.joints["hip"][:, 0], 639 - model.joints["hip"][:, 0], equal_nan=True)
    assert model.doc["facing"] == doc["facing"]   # the original is left alone


def test_layout_is_even_and_bounded() -> None:
    assert _layout((640, 480), (640, 480)) == 480
    h = _layout((640, 480), (1280, 720))
    assert h % 2 == 0 and 640 * h / 480 + 1280 * h / 720 <= 1920
    assert _layout((1920, 1080), (1920, 1080)) <= 720
