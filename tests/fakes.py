"""The test suite's fakes (one module; the core's fake tracks are in hingecoach.core.track.fakes).

Report fakes: a small generated source video and an analysis of it.

The source is a stick figure drawn from a fake hinge track (known reps) and encoded with PyAV at
320x240 and an NTSC rate (30000/1001, so an exact-rate bug cannot hide), about 3 seconds long.
The analysis runs on the fake track itself (no pose model), then faults and a recommendation
are put into it by hand, as the ladder would.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.results import Finding
from hingecoach.core.spine.outline import N_STATIONS
from hingecoach.core.track.fakes import Body, fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import BONES
from hingecoach.pipeline import Result
from hingecoach.pose.silhouette import profile_from_mask

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





def make_analysis(
    drill: str | None = "romanian_deadlift",
    depths_deg: list[float] | None = None,
    faults: dict[int, list[tuple[str, str]]] | None = None,
    primary_cue: str | None = "Push your hips back.",
) -> dict[str, Any]:
    """An analysis of len(depths_deg) reps; ``faults`` maps a 0-based rep index to (id, severity)."""
    depths_deg = depths_deg if depths_deg is not None else [85.0] * 8
    faults = faults or {}
    reps = []
    for i, depth in enumerate(depths_deg):
        rep_faults = [
            {
                "id": fid,
                "severity": sev,
                "value": 0.2,
                "threshold": 0.1,
                "unit": "leg",
                "frames": [10 * i, 10 * i + 5],
                "confidence": 0.9,
                "cue": "Keep the shins still.",
            }
            for fid, sev in faults.get(i, [])
        ]
        reps.append(
            {
                "index": i + 1,
                "start_s": 3.0 * i,
                "bottom_s": 3.0 * i + 1.2,
                "end_s": 3.0 * i + 2.6,
                "metrics": {"hip_flexion_peak_deg": depth, "knee_flexion_range_deg": 6.0, "down_s": 1.2},
                "faults": rep_faults,
                "clean": not rep_faults,
            }
        )
    return {
        "schema_version": "1.0",
        "source": {"path": "clip.mp4", "kind": "video", "sha256": "ab" * 32},
        "fps": 30.0,
        "frames": 300,
        "duration_s": 10.0,
        "view": {"label": "side", "confidence": 0.9},
        "drill": {"id": drill, "confidence": 0.8, "source": "recognised" if drill else "none"},
        "reps": reps,
        "warnings": [],
        "recommendation": None
        if primary_cue is None
        else {"primary_cue": primary_cue, "secondary_cues": [], "range": None, "summary": "ok"},
        "provenance": {"hingecoach": "0.1.0", "model": "blazepose-full"},
    }


# --- a back with a silhouette (the spine tests) ---

MASK_SIZE = (640, 480)


def trunk_mask(hip: np.ndarray, shoulder: np.ndarray, facing: int, bend_deg: float,
               size: tuple[int, int] = MASK_SIZE) -> np.ndarray:
    """A person mask (0..1) of a trunk from ``hip`` to ``shoulder`` whose back outline is a
    parabola turning by ``bend_deg`` between hip and shoulder (+ convex) and whose front is
    straight; the buttocks and head are left out (the measurement does not use them)."""
    axis = shoulder - hip
    length = float(np.hypot(*axis))
    u = axis / length
    out = facing * np.array([u[1], -u[0]])
    a = np.linspace(-0.15, 1.15, 80)
    k = math.radians(bend_deg) / 2.0
    b_back = 0.18 + k * a * (1.0 - a)
    back_pts = hip + length * (a[:, None] * u + b_back[:, None] * out)
    front_pts = hip + length * (a[::-1, None] * u - 0.2 * out)
    # Anti-aliased at 1/16 px, so the mask is a probability with sub-pixel edges like a model's.
    poly = np.round(np.concatenate([back_pts, front_pts]) * 16).astype(np.int32)
    mask = np.zeros((size[1], size[0]), np.uint8)
    cv2.fillPoly(mask, [poly], 255, lineType=cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


def _mid(track: PoseTrack, joint: str) -> np.ndarray:
    return np.asarray((track.joint(f"left_{joint}") + track.joint(f"right_{joint}")) / 2.0)


@functools.lru_cache(maxsize=16)  # masks for ~300 frames per track: build each once
def track_with_back(flex_deg: float, yaw_deg: float = 0.0, *, arms_over_back: bool = False,
                    lose_outline: bool = False) -> PoseTrack:
    """A fake hinge set whose back outline rounds by up to ``flex_deg`` in the deeper 70% of
    each rep (neutral near the top, as a back that gives way under load)."""
    track = fake_hinge_track(yaw_deg=yaw_deg)
    hip, sho = _mid(track, "hip"), _mid(track, "shoulder")
    trunk = sho - hip
    tilt = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))
    depth = tilt / np.nanmax(tilt)
    rounding = np.clip((depth - 0.3) / 0.7, 0.0, 1.0)
    facing = 1 if math.cos(math.radians(yaw_deg)) >= 0 else -1
    profiles = np.stack([profile_from_mask(trunk_mask(hip[i], sho[i], facing, flex_deg * rounding[i]),
                                                hip[i], sho[i]) for i in range(track.n_frames)])
    if lose_outline:
        # Near the bottom, six of the sixteen back stations the measure uses are not found.
        s = N_STATIONS
        for lost in (4, 5, 10, 11, 15, 16):
            profiles[depth > 0.5, lost] = np.nan
            profiles[depth > 0.5, s + lost] = np.nan
    xy = track.xy.copy()
    if arms_over_back:
        # Hands resting on the back (a bar on the upper back): wrists and elbows above the trunk.
        out = facing * np.stack([trunk[:, 1], -trunk[:, 0]], axis=1) / np.hypot(*trunk.T)[:, None]
        for side in ("left", "right"):
            for joint, t in (("wrist", 0.6), ("elbow", 0.8)):
                i = track.keypoints.index(f"{side}_{joint}")
                xy[:, i] = hip + t * trunk + 0.3 * np.hypot(*trunk.T)[:, None] * out
    return track.with_step("test_profiles", xy=xy, profiles=profiles)


# --- videos that break part-way (the decoder tests) ---

def faststart_copy(src: Path, dst: Path) -> Path:
    """``src`` remuxed with its index first (as phones and web uploads often write MP4), so that
    a cut copy still opens and breaks part-way."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)
    return dst


def cut_in_half(src: Path, dst: Path) -> Path:
    """The first half of ``src``'s bytes, written to ``dst``."""
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def with_metric(doc: dict[str, Any], name: str, values: list[Any]) -> dict[str, Any]:
    """``doc`` (an analysis) with each rep's metric ``name`` set to the next of ``values``."""
    for rep, value in zip(doc["reps"], values, strict=True):
        rep["metrics"][name] = value
    return doc
