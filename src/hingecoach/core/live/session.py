"""A live set: landmarks in, coaching events out, the same engine and rules as offline.

A client (the web app's live page over a WebSocket, ``hinge live`` with a camera) calls
:meth:`LiveSession.push` with each frame's landmarks as the pose model makes them, at whatever
rate it manages. The session

1. resamples the frames onto a steady clock (``[live] fps``) by linear interpolation, so the
   frame-by-frame :class:`~hingecoach.core.reps.engine.HingeEngine` sees a fixed frame rate (a
   recorded track replayed at its own rate passes through unchanged);
2. counts reps with that engine (``rep`` events, spoken as the count);
3. when the engine settles a rep, rates it with the offline rules over the set so far
   (:func:`~hingecoach.core.reps.engine.analyze_track` + :func:`~hingecoach.core.coach.coaching.coach_analysis`):
   ``fault`` events with the drill's cue, the primary one first;
4. says once when the hips go out of view (``not_in_view``), and ``in_view`` when they are back;
5. at :meth:`finish`, analyses the whole set as ``hinge analyze`` would the same landmarks and
   returns that :class:`~hingecoach.core.results.Analysis` (``summary`` event) and the track, for
   the training log.

No rep counter or fault rule lives anywhere else: the page and the desktop loop only draw and
speak what these events say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.drills import SEVERITY_ORDER
from hingecoach.core.faults.reference import NeutralReference
from hingecoach.core.reps.engine import HingeEngine, analyze_track
from hingecoach.core.results import Analysis, Finding
from hingecoach.core.settings import LiveSettings, Settings, load_settings
from hingecoach.core.track.pose_track import MAX_COORDINATE_PX, MAX_WORLD_M, PoseTrack
from hingecoach.errors import HingeError

#: Joints whose sight means "the lifter is in view": the hips (either side).
HIP_JOINTS = ("left_hip", "right_hip")


class LiveError(HingeError):
    """A frame the session refuses (bad shape, a timestamp not after the last one, too long a
    set). The frame is dropped; the session goes on."""


@dataclass(frozen=True)
class LiveEvent:
    """Something to tell the lifter: ``type`` is one of ``rep``, ``fault``, ``not_in_view``,
    ``in_view``, ``state`` or ``summary``; ``t_s`` is stream time (the client's clock)."""

    type: str
    t_s: float
    data: dict[str, Any] = field(default_factory=dict)

    def message(self) -> dict[str, Any]:
        """The event as a JSON-ready message (``{"type": ..., "t": ..., ...}``)."""
        return {"type": self.type, "t": round(self.t_s, 4), **self.data}


def _finding_data(rep: int, f: Finding) -> dict[str, Any]:
    return {"rep": rep, "fault": f.id, "cue": f.cue, "severity": f.severity,
            "value": None if f.value is None or not math.isfinite(f.value) else round(f.value, 2),
            "unit": f.unit}


@dataclass
class LiveSession:
    """One athlete's live set.

    ``keypoints``: the skeleton the client sends (e.g. BlazePose-33 names); ``drill``: the drill
    being done (None: recognised from the movement, as offline); ``image_size``: the camera's
    (width, height) in pixels, when the client sends positions in pixels; ``fps``: the steady
    clock's rate (None: ``[live] fps``; a video fed live uses its own rate, so that it is
    analysed frame for frame as offline).
    """

    keypoints: tuple[str, ...]
    drill: str | None = None
    fps: float | None = None
    image_size: tuple[int, int] | None = None
    settings: Settings = field(default_factory=load_settings)
    attrs: dict[str, Any] = field(default_factory=dict)
    #: The lifter's neutral set of the drill (:mod:`hingecoach.core.faults.reference`): the rules
    #: read each rep against it, as ``hinge analyze --reference`` does; None: packaged thresholds.
    reference: NeutralReference | None = None
    #: True: a settled rep is not rated inside :meth:`push` but queued; the caller runs
    #: :meth:`rate_pending` (e.g. in a worker thread, so a server's event loop never waits on it).
    defer_rating: bool = False

    def __post_init__(self) -> None:
        live: LiveSettings = self.settings.live
        self._fps = float(self.fps or live.fps)
        if not 1.0 <= self._fps <= 240.0:
            raise LiveError(f"a live frame rate must be 1-240 frames per second, not {self._fps:g}")
        self.fps = self._fps
        self._live = live
        self.engine = HingeEngine(fps=self._fps, settings=self.settings, metrics=False)   # rates with the offline rules
        self._k = len(self.keypoints)
        self._hips = [self.keypoints.index(n) for n in HIP_JOINTS if n in self.keypoints]
        self._min_conf = float(self.settings.pose.min_confidence)
        self._xy: list[np.ndarray] = []
        self._conf: list[np.ndarray] = []
        self._t0: float | None = None
        self._last: tuple[float, np.ndarray, np.ndarray] | None = None
        self._with_world = False
        self._max_frames = int(live.max_set_s * self._fps)
        self._unseen_s = 0.0
        self._seen_s = 0.0
        self._out_of_view = False
        self._next_state_t = -math.inf
        self._rated: set[int] = set()
        self._pending: list[tuple[int, int, float, int]] = []
        self._due: list[tuple[float, int, int]] = []
        self.reps = 0
        self.finished = False

    # --- input -------------------------------------------------------------------------------

    @property
    def n_frames(self) -> int:
        """Frames on the steady clock so far."""
        return len(self._xy)

    def _check(self, t_s: float, xy: Any, confidence: Any) -> tuple[float, np.ndarray, np.ndarray]:
        if self.finished:
            raise LiveError("the set has ended; start a new one")
        try:
            t = float(t_s)
            pts = np.asarray(xy, dtype=float)
            conf = np.asarray(confidence, dtype=float)
        except (TypeError, ValueError):
            raise LiveError("a frame needs a time in seconds and numeric landmarks") from None
        if not math.isfinite(t):
            raise LiveError("a frame's time must be a finite number of seconds")
        if pts.shape != (self._k, 2) or conf.shape != (self._k,):
            raise LiveError(f"a frame needs {self._k} landmarks of x, y and a confidence; got "
                            f"{pts.shape[0] if pts.ndim else 0}")
        if self._last is not None and t <= self._last[0]:
            raise LiveError(f"frame time {t:.3f} s is not after the previous frame's "
                            f"{self._last[0]:.3f} s; frame dropped")
        if self._t0 is not None and len(self._xy) >= self._max_frames:
            raise LiveError(f"the set is longer than {self._live.max_set_s:.0f} s; end it and start another")
        bad = ~np.isfinite(pts).all(axis=1) | (np.abs(pts) > MAX_COORDINATE_PX).any(axis=1)
        conf = np.where(np.isfinite(conf), np.clip(conf, 0.0, 1.0), 0.0)
        conf[bad] = 0.0
        pts[bad] = np.nan
        return t, pts, conf

    def _check_world(self, world: Any) -> np.ndarray:
        """3D positions (K, 3) in metres, or NaN where missing or not positions."""
        try:
            w = np.asarray(world, dtype=float) if world is not None else np.full((self._k, 3), np.nan)
        except (TypeError, ValueError):
            raise LiveError("world landmarks must be numbers") from None
        if w.shape != (self._k, 3):
            raise LiveError(f"a frame's world landmarks need {self._k} points of x, y, z")
        bad = ~np.isfinite(w).all(axis=1) | (np.abs(w) > MAX_WORLD_M).any(axis=1)
        w = w.copy()
        w[bad] = np.nan
        return w

    def push(self, t_s: float, xy: Any, confidence: Any, world: Any = None) -> list[LiveEvent]:
        """One frame from the client: ``t_s`` its time in seconds (increasing), ``xy`` (K, 2)
        image positions in pixels, ``confidence`` (K,) in [0, 1], and optionally ``world`` (K, 3)
        the backend's 3D positions in metres (from the first frame that has them; offline
        they help read the drill where the view hides the side-on angles). Returns what to tell
        the lifter.

        Raises :class:`LiveError` for a frame it refuses (nothing is kept from it)."""
        t, pts, conf = self._check(t_s, xy, confidence)
        if world is not None and not self._with_world:
            # The first frame with world landmarks: the frames before it get none (NaN).
            self._with_world = True
            pad = np.full((self._k, 3), np.nan)
            self._xy = [np.concatenate([p, pad], axis=1) for p in self._xy]
            if self._last is not None:
                self._last = (self._last[0], np.concatenate([self._last[1], pad], axis=1), self._last[2])
        if self._with_world:
            pts = np.concatenate([pts, self._check_world(world)], axis=1)
        events: list[LiveEvent] = []
        if self._last is None:
            self._t0 = t
            grid_frames = [(t, pts, conf)]
        else:
            grid_frames = list(self._resample(self._last, (t, pts, conf)))
        self._last = (t, pts, conf)
        for g_t, g_xy, g_conf in grid_frames:
            events += self._step(g_t, g_xy, g_conf)
        return events

    def _resample(self, prev: tuple[float, np.ndarray, np.ndarray],
                  cur: tuple[float, np.ndarray, np.ndarray]) -> Any:
        """The steady-clock frames in (prev time, cur time]: interpolated between the two
        frames, or missing across a gap longer than ``max_gap_s``."""
        assert self._t0 is not None
        (t0, xy0, c0), (t1, xy1, c1) = prev, cur
        k = len(self._xy)
        eps = 1e-6 / self._fps
        while True:
            g = self._t0 + k / self._fps
            if g > t1 + eps:
                return
            if abs(g - t1) <= eps:
                yield g, xy1, c1
            elif t1 - t0 > self._live.max_gap_s:
                yield g, np.full_like(xy1, np.nan), np.zeros(self._k)
            else:
                w = (g - t0) / (t1 - t0)
                both = (c0 >= self._min_conf) & (c1 >= self._min_conf)
                near_xy, near_c = (xy0, c0) if w < 0.5 else (xy1, c1)
                xy = np.where(both[:, None], (1 - w) * xy0 + w * xy1, near_xy)
                conf = np.where(both, (1 - w) * c0 + w * c1, near_c)
                yield g, xy, conf
            k += 1

    # --- one steady-clock frame -----------------------------------------------------------------

    def _step(self, t: float, pts: np.ndarray, conf: np.ndarray) -> list[LiveEvent]:
        self._xy.append(pts)   # (K, 2), or (K, 5) with the world positions
        self._conf.append(conf)
        xy = pts[:, :2]
        events = self._visibility(t, conf)
        res = self.engine.push_pose(xy, conf, self.keypoints, t_s=t)
        for ev in res.events:
            if ev.kind == "counted" and ev.rep is not None:
                self.reps = res.rep_count
                events.append(LiveEvent("rep", t, {"rep": ev.rep.index, "count": res.rep_count,
                                                   "depth_deg": _round(ev.rep.bottom_depth_deg)}))
                # Rated a moment after it is counted (the lifter is at the top by then), not when
                # the engine settles its end: the cue comes while the rep is still fresh.
                self._due.append((t + self._live.rate_after_count_s, ev.rep.index, ev.rep.bottom))
            elif ev.kind == "final" and ev.rep is not None:
                events += self._settled(ev.rep.index, ev.rep.bottom, t)
        while self._due and t >= self._due[0][0] - 1e-9:
            _, index, bottom = self._due.pop(0)
            events += self._settled(index, bottom, t)
        if t >= self._next_state_t:
            self._next_state_t = t + self._live.state_every_s
            events.append(LiveEvent("state", t, {"depth_deg": _round(res.features.get("depth_deg", math.nan)),
                                                 "count": res.rep_count, "in_view": not self._out_of_view}))
        return events

    def _visibility(self, t: float, conf: np.ndarray) -> list[LiveEvent]:
        seen = bool(self._hips) and bool((conf[self._hips] >= self._min_conf).any())
        step = 1.0 / self._fps
        if seen:
            self._unseen_s, self._seen_s = 0.0, self._seen_s + step
        else:
            self._unseen_s, self._seen_s = self._unseen_s + step, 0.0
        if not self._out_of_view and self._unseen_s >= self._live.lost_after_s - 1e-9:
            self._out_of_view = True
            return [LiveEvent("not_in_view", t, {"message": self._live.not_in_view_message})]
        if self._out_of_view and self._seen_s >= self._live.found_after_s - 1e-9:
            self._out_of_view = False
            return [LiveEvent("in_view", t)]
        return []

    # --- rating ----------------------------------------------------------------------------------

    def track(self, n_frames: int | None = None) -> PoseTrack:
        """The set so far (or its first ``n_frames``) on the steady clock, as a pose track (the
        offline path's input)."""
        n = len(self._xy) if n_frames is None else n_frames
        if n == 0 or self._t0 is None:
            raise LiveError("no frames yet")
        xy, conf = self._xy[:n], self._conf[:n]   # a snapshot: frames may arrive meanwhile
        attrs = {"backend": self.attrs.get("backend", "live"), "model": self.attrs.get("model"),
                 "source": {"kind": "live", **self.attrs.get("source", {})},
                 "steps": ["live_resampled"]}
        pts = np.stack(xy)
        return PoseTrack(xy=pts[:, :, :2], confidence=np.stack(conf), fps=self._fps,
                         keypoints=self.keypoints, timestamps_s=self._t0 + np.arange(n) / self._fps,
                         image_size=self.image_size, attrs=attrs,
                         world=pts[:, :, 2:] if pts.shape[2] == 5 else None)

    def analyse(self, n_frames: int | None = None) -> Analysis:
        """The set so far, analysed and coached as ``hinge analyze`` would (drill, faults, cues,
        recommendation)."""
        analysis, tf = analyze_track(self.track(n_frames), self.settings)
        coach_analysis(analysis, tf, drill_override=self.drill, reference=self.reference)
        return analysis

    @property
    def has_pending(self) -> bool:
        """Settled reps waiting for :meth:`rate_pending` (only with ``defer_rating``)."""
        return bool(self._pending)

    def _settled(self, rep_index: int, bottom_frame: int, t: float) -> list[LiveEvent]:
        if rep_index in self._rated:
            return []
        self._rated.add(rep_index)
        self._pending.append((rep_index, bottom_frame, t, len(self._xy)))
        return [] if self.defer_rating else self.rate_pending()

    def rate_pending(self) -> list[LiveEvent]:
        """Rate the reps the engine settled since the last call: their faults from the offline
        rules over the set up to that moment (the offline rep that holds the live rep's bottom),
        the primary cue first. Safe to run in another thread while frames keep arriving."""
        events: list[LiveEvent] = []
        while self._pending:
            rep_index, bottom_frame, t, n = self._pending.pop(0)
            analysis = self.analyse(n)
            for rep in analysis.reps:
                if rep.start_frame <= bottom_frame <= rep.end_frame:
                    events += [LiveEvent("fault", t, {**_finding_data(rep_index, f), "primary": i == 0,
                                                      "rep_end_t": rep.end_s})
                               for i, f in enumerate(_by_severity(rep.faults))]
                    break
        return events

    def finish(self) -> tuple[list[LiveEvent], Analysis | None]:
        """End of the set: settle the last rep, analyse the whole set. Returns the last events
        (the ``summary`` last) and the analysis (None when no frame came)."""
        if self.finished:
            raise LiveError("the set has already ended")
        events: list[LiveEvent] = []
        t = self._t0 + (len(self._xy) - 1) / self._fps if self._t0 is not None and self._xy else 0.0
        for ev in self.engine.finish():
            if ev.kind == "final" and ev.rep is not None:
                events += self._settled(ev.rep.index, ev.rep.bottom, t)
        events += self.rate_pending()
        self.finished = True
        if not self._xy:
            events.append(LiveEvent("summary", t, {"reps": 0, "drill": None, "faults": {}, "decision": None}))
            return events, None
        analysis = self.analyse()
        faults: dict[str, int] = {}
        for rep in analysis.reps:
            for f in rep.faults:
                faults[f.id] = faults.get(f.id, 0) + 1
        rec = analysis.recommendation or {}
        events.append(LiveEvent("summary", t, {
            "reps": len(analysis.reps), "live_reps": self.reps, "drill": analysis.drill.get("id"),
            "drill_name": analysis.drill.get("name"), "faults": faults,
            "decision": (rec.get("range") or {}).get("action"), "message": rec.get("summary"),
            "primary_cue": rec.get("primary_cue"),
        }))
        return events, analysis


def _by_severity(findings: list[Finding]) -> list[Finding]:
    """The rep's coached faults, the one to speak first at the front (stable within a severity)."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)))


def _round(x: float) -> float | None:
    return round(float(x), 1) if math.isfinite(x) else None
