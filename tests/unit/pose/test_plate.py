"""The plate tracker (hingecoach.pose.plate) on a synthesized video: a filled disc (the plate)
moving along a lift's path, a pose track whose wrists hold it, and frames where it is gone."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import JOINTS
from hingecoach.errors import HingeError
from hingecoach.pose.plate import PlateSettings, PlateTrack, leg_length_px, mid_wrist, track_plate

N_FRAMES = 60
SIZE = (320, 240)          # width, height
RADIUS = 30                # px: a quarter of the 120 px leg, as a 45 cm plate on a 0.9 m leg
LEG = 120.0
GONE = range(28, 34)       # frames with no plate in the picture


def plate_path(n: int = N_FRAMES) -> np.ndarray:
    """The disc's centre per frame (n, 2): down and up once, drifting forward a little."""
    t = np.arange(n) / n
    return np.stack([150.0 + 15.0 * np.sin(2 * np.pi * t), 120.0 + 40.0 * np.sin(2 * np.pi * t)], axis=1)


def write_video(path: Path, centres: np.ndarray, gone: range = GONE, radius: int = RADIUS) -> Path:
    """An MJPG .avi of a dark disc with a lighter rim ring over a textured grey background."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, SIZE)
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    background = np.clip(150 + rng.normal(0, 6, (SIZE[1], SIZE[0], 3)), 0, 255).astype(np.uint8)
    cv2.rectangle(background, (0, 200), (SIZE[0], SIZE[1]), (110, 110, 110), -1)   # a floor
    for i, (x, y) in enumerate(centres):
        frame = background.copy()
        if i not in gone:
            cv2.circle(frame, (round(x), round(y)), radius, (40, 40, 40), -1, lineType=cv2.LINE_AA)
            cv2.circle(frame, (round(x), round(y)), 6, (200, 200, 200), -1, lineType=cv2.LINE_AA)
        writer.write(frame)
    writer.release()
    return path


def holding_track(centres: np.ndarray) -> PoseTrack:
    """A pose track (the project's joints) whose wrists are at the disc's centre and whose leg
    (hip -> knee -> ankle) is :data:`LEG` px, standing behind the disc."""
    n = len(centres)
    xy = np.full((n, len(JOINTS), 2), np.nan)
    conf = np.zeros((n, len(JOINTS)))
    place = {"wrist": centres, "hip": np.array([120.0, 60.0]), "knee": np.array([125.0, 120.0]),
             "ankle": np.array([120.0, 180.0])}
    for side in ("left", "right"):
        for joint, pos in place.items():
            k = JOINTS.index(f"{side}_{joint}")
            xy[:, k] = pos
            conf[:, k] = 0.9
    return PoseTrack(xy=xy, confidence=conf, fps=30.0, keypoints=JOINTS,
                     timestamps_s=np.arange(n) / 30.0, image_size=SIZE)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, PoseTrack]:
    centres = plate_path()
    path = write_video(tmp_path_factory.mktemp("plate") / "lift.avi", centres)
    return path, centres, holding_track(centres)


def test_the_tracker_follows_the_disc_within_a_few_pixels(clip: tuple[Path, np.ndarray, PoseTrack]) -> None:
    path, centres, track = clip
    plate = track_plate(path, track)
    assert isinstance(plate, PlateTrack)
    assert plate.center_xy.shape == (N_FRAMES, 2) and plate.radius_px.shape == (N_FRAMES,)
    shown = np.array([i not in GONE for i in range(N_FRAMES)])
    assert plate.found[shown].mean() >= 0.9
    err = np.hypot(*(plate.center_xy[plate.found] - centres[plate.found]).T)
    assert err.max() < 3.0, err
    assert np.abs(plate.radius_px[plate.found] - RADIUS).max() < 3.0
    assert plate.leg_px == pytest.approx(LEG, rel=0.01)


def test_frames_without_a_disc_are_nan_not_filled(clip: tuple[Path, np.ndarray, PoseTrack]) -> None:
    path, _, track = clip
    plate = track_plate(path, track)
    gone = np.array(list(GONE))
    assert not plate.found[gone].any()
    assert np.isnan(plate.center_xy[gone]).all() and np.isnan(plate.radius_px[gone]).all()
    assert np.isfinite(plate.center_xy[plate.found]).all()
    assert plate.found_share == pytest.approx(plate.found.mean())
    assert plate.found_share <= 1 - len(GONE) / N_FRAMES


def test_track_coordinates_follow_the_pose_track_scale(tmp_path: Path) -> None:
    """A pose track measured on a half-size picture gets the plate in its own (half) pixels."""
    centres = plate_path(30)
    path = write_video(tmp_path / "lift.avi", centres, gone=range(0))
    full = holding_track(centres)
    half = PoseTrack(xy=full.xy / 2, confidence=full.confidence, fps=30.0, keypoints=JOINTS,
                     timestamps_s=full.timestamps_s, image_size=(SIZE[0] // 2, SIZE[1] // 2))
    plate = track_plate(path, half)
    assert plate.found.mean() >= 0.9
    assert np.abs(plate.center_xy[plate.found] - centres[plate.found] / 2).max() < 2.0
    assert np.nanmedian(plate.radius_px) == pytest.approx(RADIUS / 2, abs=1.5)


def test_a_disc_far_from_the_hands_is_not_the_plate(tmp_path: Path) -> None:
    centres = plate_path(30)
    path = write_video(tmp_path / "lift.avi", centres, gone=range(0))
    track = holding_track(centres)
    moved = track.xy.copy()
    for side in ("left", "right"):
        moved[:, JOINTS.index(f"{side}_wrist")] = [40.0, 40.0]     # hands in the far corner
    away = PoseTrack(xy=moved, confidence=track.confidence, fps=30.0, keypoints=JOINTS,
                     timestamps_s=track.timestamps_s, image_size=SIZE)
    assert not track_plate(path, away).found.any()


def test_an_unreadable_file_is_a_one_line_hinge_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    track = holding_track(plate_path(10))
    with pytest.raises(HingeError) as err:
        track_plate(bad, track)
    assert "\n" not in str(err.value) and "broken.mp4" in str(err.value)
    with pytest.raises(HingeError, match="no such video"):
        track_plate(tmp_path / "missing.mp4", track)


def test_a_track_of_another_length_is_refused(clip: tuple[Path, np.ndarray, PoseTrack]) -> None:
    path, _, _ = clip
    longer = holding_track(plate_path(N_FRAMES + 10))
    with pytest.raises(HingeError, match="not of the same clip"):
        track_plate(path, longer)
    # a frame or two off (an edit list) is accepted
    assert track_plate(path, holding_track(plate_path(N_FRAMES - 2))).n_frames == N_FRAMES - 2


def test_a_track_without_legs_or_wrists_is_refused(clip: tuple[Path, np.ndarray, PoseTrack]) -> None:
    path, centres, track = clip
    no_wrists = track.xy.copy()
    no_wrists[:, [JOINTS.index("left_wrist"), JOINTS.index("right_wrist")]] = np.nan
    for xy, what in ((no_wrists, "wrist"), (np.full_like(track.xy, np.nan), "leg")):
        t = PoseTrack(xy=xy, confidence=track.confidence, fps=30.0, keypoints=JOINTS,
                      timestamps_s=track.timestamps_s, image_size=SIZE)
        with pytest.raises(HingeError, match=what):
            track_plate(path, t)


def test_leg_length_and_mid_wrist_helpers() -> None:
    track = holding_track(plate_path(10))
    assert leg_length_px(track) == pytest.approx(2 * math.hypot(5.0, 60.0))
    xy = track.xy.copy()
    xy[3:5, JOINTS.index("left_wrist")] = np.nan
    xy[3:5, JOINTS.index("right_wrist")] = np.nan
    gappy = PoseTrack(xy=xy, confidence=track.confidence, fps=30.0, keypoints=JOINTS,
                      timestamps_s=track.timestamps_s, image_size=SIZE)
    mid = mid_wrist(gappy)
    assert np.isfinite(mid).all()
    assert mid[3] == pytest.approx(track.xy[2, JOINTS.index("left_wrist")] * 2 / 3
                                   + track.xy[5, JOINTS.index("left_wrist")] / 3)


def test_a_short_run_the_bar_cannot_reach_is_dropped() -> None:
    from hingecoach.pose.plate import PlateSettings, _consistent_runs
    n = 30
    circ = np.zeros((n, 3))
    circ[:, 0] = np.arange(n)                 # the plate, moving 1 px a frame
    circ[16:20, 0] = 80.0                     # a round thing 0.5 leg away, after a gap
    found = np.ones(n, dtype=bool)
    found[14:16] = False
    found[20] = False
    found[25:] = False
    found[27] = True                          # a single frame: too short a run
    kept = _consistent_runs(circ, found, 120.0, PlateSettings())
    assert kept[:14].all() and kept[21:25].all()
    assert not kept[16:20].any() and not kept[25:].any()


def test_a_plate_larger_than_usual_is_found_on_a_second_search(tmp_path: Path) -> None:
    # A camera close to the lifter: the near plate (0.7 m nearer than the legs) looks 0.42 leg in
    # radius, past the first search's 0.36; finding none there, the tracker looks again wider.
    centres = plate_path()
    big = round(0.42 * LEG)
    path = write_video(tmp_path / "close.avi", centres, radius=big)
    track = holding_track(centres)
    narrow = track_plate(path, track, settings=PlateSettings(retry_max_radius_leg=0.0))   # no second search
    assert narrow.found_share < 0.05
    plate = track_plate(path, track)
    assert plate.found_share >= 0.8
    assert abs(plate.radius_median_px - big) < 3.0
