"""BlazePose (mediapipe full, model_complexity=1) finds the rendered athlete in >= 99% of
the frames of every side-view bench clip: the bench is usable by the real pose backend.

Runs in the main .venv (mediapipe 0.10.21 needs numpy < 2); frames are read with OpenCV.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
MIN_DETECTION_RATE = 0.99

mp = pytest.importorskip("mediapipe")
cv2 = pytest.importorskip("cv2")


def _side_clips():
    path = BENCH / "manifest.json"
    if not path.exists():
        return []
    return [c for c in json.loads(path.read_text())["clips"] if c["view"] == "side"]


SIDE = _side_clips()


def detection_rate(video: Path) -> tuple[int, int]:
    cap = cv2.VideoCapture(str(video))
    found = total = 0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            total += 1
            result = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            found += result.pose_landmarks is not None
    cap.release()
    return found, total


def test_there_are_side_view_clips():
    assert len(SIDE) >= 5


@pytest.mark.parametrize("clip", SIDE, ids=[c["name"] for c in SIDE])
def test_blazepose_detects_athlete(clip):
    found, total = detection_rate(BENCH / clip["video"])
    assert total == clip["frames"]
    assert found / total >= MIN_DETECTION_RATE, f"{clip['name']}: {found}/{total}"
