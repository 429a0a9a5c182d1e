"""The back's outline in the report: drawn at the bottom of each rep, in the annotated video and
on the page's keyframes, when the track has silhouette profiles — and nothing changes without.

Tracks are generated (``test_back.track_with_back``: a fake hinge set with a drawn trunk mask
reduced to profiles), so no pose model or video is needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from fakes import track_with_back

from hingecoach.core.coach.sentences import describe_back
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.spine.outline import BOTTOM_HALF_S, N_STATIONS, back_profile, dorsal_contour
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.report.annotators import (
    BACK_RGB,
    BackContourAnnotator,
    FrameState,
    annotate,
    keyframe_annotators,
    video_annotators,
)
from hingecoach.report.html import page_context, render_html
from hingecoach.report.keyframes import KeyframeCollector
from hingecoach.report.model import ReportModel, build_model


def _model(track: PoseTrack) -> ReportModel:
    analysis, tf = analyze_track(track)
    assert analysis.reps, "the generated set must have reps"
    return build_model(analysis.to_dict(), tf)


@pytest.fixture(scope="module")
def with_back() -> ReportModel:
    return _model(track_with_back(30.0))


@pytest.fixture(scope="module")
def without_back() -> ReportModel:
    return _model(track_with_back(30.0).with_step("no_profiles", profiles=None))


def test_contours_sit_around_each_bottom(with_back: ReportModel) -> None:
    """One outline per frame within BOTTOM_HALF_S of each rep's bottom (the frames the back is
    read on), each the dorsal edge the measure used, and none elsewhere."""
    m = with_back
    half = max(1, int(round(BOTTOM_HALF_S * m.fps)))
    bottoms = [int(r["bottom_frame"]) for r in m.reps]
    assert set(bottoms) <= set(m.dorsal)
    for i in m.dorsal:
        assert min(abs(i - b) for b in bottoms) <= half
    bp = back_profile(_features(track_with_back(30.0)))
    assert bp is not None
    for b in bottoms:
        pts = m.dorsal[b]
        assert pts.shape[1] == 2 and len(pts) >= 0.9 * N_STATIONS
        np.testing.assert_allclose(pts, dorsal_contour(bp, b))


def _features(track: PoseTrack):  # type: ignore[no-untyped-def]
    return analyze_track(track)[1]


def test_no_profiles_no_contour(without_back: ReportModel) -> None:
    """A track without silhouettes (keypoint file, --back off) gets no outline, and the video's
    and keyframes' drawing is what it was before the outline existed."""
    m = without_back
    assert m.dorsal == {}
    b = int(m.reps[0]["bottom_frame"])
    frame = np.full((480, 640, 3), 60, np.uint8)
    state = FrameState(b, m)
    plain = [a for a in video_annotators() if not isinstance(a, BackContourAnnotator)]
    np.testing.assert_array_equal(annotate(frame.copy(), state, video_annotators()),
                                  annotate(frame.copy(), state, plain))


def test_annotator_draws_the_outline_at_the_bottom_only(with_back: ReportModel) -> None:
    """At a bottom frame the outline's pixels turn the back colour along the measured edge;
    between reps the frame is left as it was."""
    m = with_back
    b = int(m.reps[0]["bottom_frame"])
    blank = np.zeros((480, 640, 3), np.uint8)
    drawn = BackContourAnnotator().annotate(blank.copy(), FrameState(b, m))
    changed = np.any(drawn != blank, axis=2)
    assert changed.sum() > 100
    # The middle of the outline is drawn in the back colour.
    mid = np.round(m.dorsal[b][len(m.dorsal[b]) // 2]).astype(int)
    assert tuple(drawn[mid[1], mid[0]]) == BACK_RGB
    # Every changed pixel lies near the outline.
    ys, xs = np.nonzero(changed)
    pts = m.dorsal[b]
    d = np.min(np.hypot(xs[:, None] - pts[None, :, 0], ys[:, None] - pts[None, :, 1]), axis=1)
    assert d.max() < 12
    away = int(m.reps[0]["start_frame"])
    assert away not in m.dorsal
    np.testing.assert_array_equal(BackContourAnnotator().annotate(blank.copy(), FrameState(away, m)), blank)


def test_video_and_keyframes_draw_the_outline(with_back: ReportModel, without_back: ReportModel) -> None:
    """The video's annotators and the page's keyframe annotators both include the outline, so
    a rep's keyframe differs with and without silhouettes."""
    assert any(isinstance(a, BackContourAnnotator) for a in video_annotators())
    assert any(isinstance(a, BackContourAnnotator) for a in keyframe_annotators())
    shots = []
    for m in (with_back, without_back):
        kc = KeyframeCollector(m)
        kc.fill_missing()  # no video: keyframes on a plain canvas
        shots.append(kc.jpegs)
    assert shots[0].keys() == shots[1].keys() and shots[0]
    assert all(shots[0][r] != shots[1][r] for r in shots[0])


def test_page_explains_the_outline_only_when_drawn(with_back: ReportModel, without_back: ReportModel) -> None:
    """The page says what the violet line is (and that it is experimental) only when it is drawn."""
    pages = [render_html(page_context(m, {"angles": b"", "reps": b"", "bar_path": b""}, {}, "annotated.mp4", None))
             for m in (with_back, without_back)]
    assert 'id="back-outline-note"' in pages[0] and "experimental" in pages[0]
    assert "back-outline-note" not in pages[1] and "violet" not in pages[1]


def test_page_says_how_the_back_read_and_against_what() -> None:
    """A coached set with the silhouette: the page carries the same sentence as the terminal
    (against standing here, with the reps read rounded); without silhouettes, no sentence."""
    from hingecoach.core.coach.coaching import coach_analysis

    pages = []
    for track in (track_with_back(60.0), track_with_back(0.0).with_step("no_profiles", profiles=None)):
        analysis, tf = analyze_track(track)
        coach_analysis(analysis, tf, drill_override="romanian_deadlift")
        doc = analysis.to_dict()
        pages.append((describe_back(doc), render_html(page_context(
            build_model(doc, tf), {"angles": b"", "reps": b"", "bar_path": b""}, {}, "annotated.mp4", None))))
    (said, page), (none, plain) = pages
    assert said is not None and "against standing" in said and "rounded on reps 1, 2, 3" in said
    assert 'id="back-summary"' in page and "rounded on reps 1, 2, 3" in page
    assert none is None and "back-summary" not in plain
