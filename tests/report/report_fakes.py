"""Fakes for the report tests: a small generated source video and an analysis of it.

The source is a stick figure drawn from a fake hinge track (known reps) and encoded with PyAV at
320x240 and an NTSC rate (30000/1001, so an exact-rate bug cannot hide), about 3 seconds long.
The analysis runs on the fake track itself (no pose model), then faults and a recommendation
are put into it by hand, as the ladder would.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.results import Finding
from hingecoach.core.track.fakes import Body, fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import BONES
from hingecoach.pipeline import Result

RATE = Fraction(30000, 1001)
SIZE = (320, 240)
CUE = "Push your hips back; keep the knees where they are."
PRIMARY = "Hips back, shins still."


def render_stick_video(track: PoseTrack, path: Path, rate: Fraction = RATE) -> Path:
    """Encode a stick figure of ``track`` (one frame per track frame) as H.264."""
    w, h = track.image_size or SIZE
    index = {n: i for i, n in enumerate(track.keypoints)}
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for t in range(track.n_frames):
            img = np.full((h, w, 3), 235, np.uint8)
            cv2.rectangle(img, (0, int(h * 0.9)), (w, h), (150, 140, 130), -1)
            for a, b in BONES:
                pa, pb = track.xy[t, index[a]], track.xy[t, index[b]]
                cv2.line(img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), (40, 90, 160), 3, cv2.LINE_AA)
            nose = track.xy[t, index["nose"]]
            cv2.circle(img, (int(nose[0]), int(nose[1])), 9, (40, 90, 160), -1, cv2.LINE_AA)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def hinge_clip_track() -> PoseTrack:
    """The clip's lifter: two reps in about 3 s, seen from the side at 320x240."""
    movement = hinge_movement(n_reps=2, fps=float(RATE), rep_s=1.0, pause_s=0.3, lead_s=0.3, tail_s=0.3,
                              knee_extra_deg=25.0)
    return fake_hinge_track(movement, fps=float(RATE), body=Body(px_per_m=100.0), image_size=SIZE)


def fake_result(video: Path | None, *, with_faults: bool = True, recommendation: bool = True) -> Result:
    """A :class:`Result` for the generated clip: two reps, a fault on the second one."""
    track = hinge_clip_track()
    if video is not None:
        track = track.with_step("load", attrs={**track.attrs, "source": {
            "path": str(video), "kind": "video", "width": SIZE[0], "height": SIZE[1], "analysed_scale": 1.0,
            "sha256": hashlib.sha256(video.read_bytes()).hexdigest()}})
    analysis, tf = analyze_track(track)
    assert len(analysis.reps) == 2, "the fake clip must give two reps"
    if with_faults:
        rep = analysis.reps[1]
        analysis.reps[1].faults = [Finding(id="squatted_hinge", value=45.0, threshold=35.0, unit="deg",
                                           frames=(rep.bottom_frame - 5, rep.bottom_frame + 5), confidence=0.9,
                                           severity="form", cue=CUE)]
    analysis.drill = {"id": "romanian_deadlift", "confidence": 0.9, "source": "recognised"}
    if recommendation:
        analysis.recommendation = {"primary_cue": PRIMARY, "secondary_cues": [CUE],
                                   "range": {"limit_deg": 70.0, "landmark": "hands to mid-thigh", "action": "shorten"},
                                   "summary": "Shorten the range until the knees stay put."}
    return Result(analysis=analysis, features=tf, track=track, timings_s={})


@dataclass(frozen=True)
class Written:
    """A report written once for the whole test session."""

    video: Path
    out: Path
    paths: dict[str, Path]
    result: Result

