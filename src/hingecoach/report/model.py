"""What the report shows, measured once: per-frame readouts, reps, the target range, faults.

Pipeline position: analysis document + :class:`~hingecoach.core.reps.engine.TrackFeatures` → **report
model** → annotators (video), plots and HTML. Everything here is measuring and choosing; nothing
draws. Frame indices are those of the analysed track (= the decoded video frames, in order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from hingecoach.core.reps.engine import TrackFeatures

#: Order in which simultaneous faults are shown (the most serious first).
SEVERITY_ORDER = {"safety": 0, "form": 1, "minor": 2}
#: A cue banner stays up at least this long, so a lifter can read it (seconds).
MIN_BANNER_S = 1.5
#: Sets up to this many reps get a plot panel, a card and a keyframe for every rep; a longer set
#: is summarised (every rep overlaid in one plot; cards for at most this many reps, faulty first).
DETAIL_REPS = 30
#: Frames per bucket of the per-frame fault index (:meth:`ReportModel.faults_at`).
_FAULT_BUCKET = 256


def humanize(fault_id: str) -> str:
    """``knee_rebend`` → ``Knee rebend``."""
    text = fault_id.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Target:
    """The depth this set is measured against (peak hip flexion, degrees).

    ``kind`` is ``limit`` (the recommendation shortened the range: stop here), ``full`` (the
    drill's full range: reach it) or ``deepest`` (no drill known: the set's own deepest rep).
    """

    deg: float
    kind: str
    landmark: str | None = None

    @property
    def label(self) -> str:
        """Short text for the range bar and the report."""
        return {"limit": "limit", "full": "full range", "deepest": "deepest rep"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class FaultSpan:
    """One fault as the video and plots show it."""

    rep_index: int
    fault_id: str
    severity: str
    cue: str
    first: int
    last: int
    #: Last frame the banner is shown (``last`` stretched to :data:`MIN_BANNER_S`).
    shown_until: int
    value: float | None
    threshold: float | None
    unit: str

    @property
    def title(self) -> str:
        """Human name of the fault."""
        return humanize(self.fault_id)


def drill_full_range(drill_id: str | None) -> tuple[float, str] | None:
    """The drill's full range (deg) and its landmark from the progression rules, if known."""
    if not drill_id:
        return None
    from hingecoach.core.progression.rules import load_rules

    drill = load_rules().drills.get(drill_id)
    if drill is None:
        return None
    return drill.full_range_deg, drill.full_range_landmark


def choose_target(doc: dict[str, Any]) -> Target | None:
    """The recommendation's range limit, else the drill's full range, else the deepest rep.

    The full range is the one the recommendation states (``range.full_range_deg``), else the
    drill's ``full_range_deg`` in the progression rules.
    """
    rec = doc.get("recommendation") or {}
    rng = rec.get("range") or {}
    limit = rng.get("limit_deg")
    if isinstance(limit, int | float) and math.isfinite(limit):
        return Target(float(limit), "limit", rng.get("landmark"))
    stated = rng.get("full_range_deg")  # the ladder states the drill's full range beside the limit
    if isinstance(stated, int | float) and math.isfinite(stated):
        return Target(float(stated), "full", rng.get("landmark"))
    full = drill_full_range((doc.get("drill") or {}).get("id"))
    if full is not None:
        return Target(full[0], "full", rng.get("landmark") or full[1])
    peaks = [r["metrics"].get("hip_flexion_peak_deg") for r in doc.get("reps", [])]
    peaks = [p for p in peaks if isinstance(p, int | float)]
    if peaks:
        return Target(float(max(peaks)), "deepest", None)
    return None


@dataclass
class ReportModel:
    """Everything the annotators, plots and page read, indexed by frame where it varies.

    Arrays have one value per analysed frame ``T``; ``rep_at`` is the 1-based rep a frame
    belongs to (0 between reps), ``done_at`` the reps completed by that frame, ``peak_at`` the
    deepest depth of the current (or, between reps, the last) rep so far.
    """

    doc: dict[str, Any]
    fps: float
    n_frames: int
    image_size: tuple[int, int] | None
    xy: np.ndarray
    joints: dict[str, np.ndarray]
    angles: dict[str, np.ndarray]
    depth_deg: np.ndarray
    rep_at: np.ndarray
    done_at: np.ndarray
    peak_at: np.ndarray
    target: Target | None
    faults: list[FaultSpan]
    reps: list[dict[str, Any]] = field(default_factory=list)
    #: Frame → the back's outline (S, 2) pixels, hip to shoulder, on the frames around each
    #: rep's bottom where the back is read (:func:`back_contours`); empty without silhouettes.
    dorsal: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def n_reps(self) -> int:
        """Completed reps in the set."""
        return len(self.reps)

    @property
    def time_s(self) -> np.ndarray:
        """Frame times in seconds (index / fps)."""
        return np.arange(self.n_frames) / self.fps

    def phase(self, i: int) -> str:
        """``lowering``, ``lifting`` or ``""`` (between reps) at frame ``i``."""
        r = int(self.rep_at[i]) if 0 <= i < self.n_frames else 0
        if not r:
            return ""
        return "lowering" if i <= int(self.reps[r - 1]["bottom_frame"]) else "lifting"

    @cached_property
    def _fault_buckets(self) -> dict[int, list[FaultSpan]]:
        """Fault spans by the frame buckets their banner covers (a lookup per frame costs the
        faults near it, not all of a long set's)."""
        buckets: dict[int, list[FaultSpan]] = {}
        for f in self.faults:
            for b in range(max(f.first, 0) // _FAULT_BUCKET, max(f.shown_until, 0) // _FAULT_BUCKET + 1):
                buckets.setdefault(b, []).append(f)
        return buckets

    def faults_at(self, i: int) -> list[FaultSpan]:
        """Faults whose banner is up at frame ``i``, the most serious first."""
        near = self._fault_buckets.get(i // _FAULT_BUCKET, []) if i >= 0 else []
        active = [f for f in near if f.first <= i <= f.shown_until]
        return sorted(active, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.first))

    @cached_property
    def faults_by_rep(self) -> dict[int, list[FaultSpan]]:
        """Rep index → its fault spans (in the order of the analysis)."""
        out: dict[int, list[FaultSpan]] = {}
        for f in self.faults:
            out.setdefault(f.rep_index, []).append(f)
        return out

    @property
    def summarised(self) -> bool:
        """More reps than get a panel and a card each (:data:`DETAIL_REPS`)."""
        return self.n_reps > DETAIL_REPS

    def featured_reps(self) -> list[dict[str, Any]]:
        """The reps shown one by one (a card with a keyframe), in rep order: every rep of a set
        of up to :data:`DETAIL_REPS`; of a longer set the faulty reps first (the most serious
        first, then in order) and clean reps spread over the set, :data:`DETAIL_REPS` in all."""
        if not self.summarised:
            return list(self.reps)
        by_rep = self.faults_by_rep

        def rank(r: dict[str, Any]) -> int:
            return min(SEVERITY_ORDER.get(f.severity, 9) for f in by_rep[int(r["index"])])

        faulty = sorted((r for r in self.reps if by_rep.get(int(r["index"]))),
                        key=lambda r: (rank(r), int(r["index"])))[:DETAIL_REPS]
        clean = [r for r in self.reps if not by_rep.get(int(r["index"]))]
        room = DETAIL_REPS - len(faulty)
        spread = [clean[int(k)] for k in np.unique(np.linspace(0, len(clean) - 1, room).round())] \
            if room > 0 and clean else []
        return sorted(faulty + spread, key=lambda r: int(r["index"]))

    def keyframe_indices(self) -> dict[int, int]:
        """Rep index → its bottom frame (the keyframe shown beside its faults), for the reps
        shown one by one (:meth:`featured_reps`)."""
        return {int(r["index"]): int(r["bottom_frame"]) for r in self.featured_reps()
                if 0 <= int(r["bottom_frame"]) < self.n_frames}

    def deepest_rep_bottom(self) -> int | None:
        """Bottom frame of the deepest rep (for the bar-path keyframe), or None without reps."""
        best: tuple[float, int] | None = None
        for r in self.reps:
            peak = r["metrics"].get("hip_flexion_peak_deg")
            peak = float(peak) if isinstance(peak, int | float) else -math.inf
            if best is None or peak > best[0]:
                best = (peak, int(r["bottom_frame"]))
        return best[1] if best else None


def _fault_spans(doc: dict[str, Any], fps: float, n_frames: int) -> list[FaultSpan]:
    spans: list[FaultSpan] = []
    hold = int(round(MIN_BANNER_S * fps))
    for rep in doc.get("reps", []):
        for f in rep.get("faults") or []:
            frames = f.get("frames") or [rep["bottom_frame"], rep["bottom_frame"]]
            first, last = int(frames[0]), int(frames[-1])
            spans.append(FaultSpan(
                rep_index=int(rep["index"]), fault_id=str(f.get("id", "fault")),
                severity=str(f.get("severity") or "form"),
                cue=str(f.get("cue") or humanize(str(f.get("id", "fault")))),
                first=first, last=last, shown_until=min(n_frames - 1, max(last, first + hold)),
                value=f.get("value"), threshold=f.get("threshold"), unit=str(f.get("unit") or "")))
    return spans


def back_contours(tf: TrackFeatures, reps: list[dict[str, Any]]) -> dict[int, np.ndarray]:
    """The dorsal outline on the frames where the back is read: within
    :data:`hingecoach.core.spine.outline.BOTTOM_HALF_S` of each rep's bottom, inside the rep. Empty when the
    track has no silhouette profiles (keypoint files, ``--back`` off)."""
    if tf.track.profiles is None:
        return {}
    from hingecoach.core.spine.outline import BOTTOM_HALF_S, cached_back_profile, dorsal_contour

    bp = cached_back_profile(tf)
    if bp is None:
        return {}
    t = tf.track.n_frames
    half = max(1, int(round(BOTTOM_HALF_S * tf.track.fps)))
    out: dict[int, np.ndarray] = {}
    for rep in reps:
        b = int(rep["bottom_frame"])
        lo, hi = max(0, int(rep["start_frame"]), b - half), min(t - 1, int(rep["end_frame"]), b + half)
        for i in range(lo, hi + 1):
            pts = dorsal_contour(bp, i)
            if len(pts) >= 3:
                out[i] = pts
    return out


def build_model(doc: dict[str, Any], tf: TrackFeatures) -> ReportModel:
    """Measure what the report needs from an analysis document and its track features."""
    t = tf.track.n_frames
    feats = tf.features
    depth = np.asarray(feats.depth_deg, dtype=float)
    rep_at = np.zeros(t, dtype=int)
    done_at = np.zeros(t, dtype=int)
    peak_at = np.full(t, np.nan)
    reps = sorted(doc.get("reps", []), key=lambda r: int(r["index"]))
    last_peak = math.nan
    cursor = 0
    for n, rep in enumerate(reps, start=1):
        s, e = max(0, int(rep["start_frame"])), min(t - 1, int(rep["end_frame"]))
        peak_at[cursor:s] = last_peak  # between reps: hold the last rep's peak
        rep_at[s:e + 1] = n
        done_at[e:] = n
        seg = depth[s:e + 1]
        if seg.size:
            filled = np.where(np.isfinite(seg), seg, -np.inf)
            run = np.maximum.accumulate(filled)
            peak_at[s:e + 1] = np.where(np.isfinite(run), run, np.nan)
            last_peak = float(peak_at[e]) if np.isfinite(peak_at[e]) else last_peak
        cursor = e + 1
    peak_at[cursor:] = last_peak
    return ReportModel(
        doc=doc, fps=float(tf.track.fps), n_frames=t, image_size=tf.track.image_size,
        xy=tf.track.xy, joints=tf.joints,
        angles={"hip": np.asarray(feats.hip_flexion_deg, float),
                "knee": np.asarray(feats.knee_flexion_deg, float),
                "trunk": np.asarray(feats.trunk_inclination_deg, float)},
        depth_deg=depth, rep_at=rep_at, done_at=done_at, peak_at=peak_at,
        target=choose_target(doc), faults=_fault_spans(doc, float(tf.track.fps), t), reps=reps,
        dorsal=back_contours(tf, reps))


@dataclass(frozen=True)
class Verdict:
    """The one-line answer at the top of the page, and its tone (``good``, ``warn``, ``bad``)."""

    headline: str
    detail: str
    tone: str


def verdict(model: ReportModel) -> Verdict:
    """How the set went, in words: reps, clean reps, the most frequent fault, range reached."""
    n = model.n_reps
    if n == 0:
        return Verdict("No completed rep found", "hingecoach saw no lift that went down and came back up.", "bad")
    faulty = {f.rep_index for f in model.faults}
    clean = n - len(faulty)
    counts: dict[str, int] = {}
    for f in model.faults:
        counts[f.title] = counts.get(f.title, 0) + 1
    safety = any(f.severity == "safety" for f in model.faults)
    plural = "rep" if n == 1 else "reps"
    if not faulty:
        headline, tone = f"{n} {plural}, all clean", "good"
    else:
        headline = f"{clean} of {n} {plural} clean"
        tone = "bad" if safety else "warn"
    parts = []
    if counts:
        worst = max(counts.items(), key=lambda kv: kv[1])
        parts.append(f"Most frequent fault: {worst[0].lower()} ({worst[1]}×).")
    peaks = [r["metrics"].get("hip_flexion_peak_deg") for r in model.reps]
    peaks = [float(p) for p in peaks if isinstance(p, int | float)]
    t = model.target
    if peaks and t is not None and t.kind == "full":
        reached = sum(p >= 0.9 * t.deg for p in peaks)
        parts.append(f"{reached} of {len(peaks)} reached the full range ({t.deg:.0f}°).")
    elif peaks and t is not None and t.kind == "limit":
        # The limit is advice for the next set, made from this one: inform, do not judge this set by it.
        parts.append(f"Deepest rep {max(peaks):.0f}°; next set, stop at {t.deg:.0f}°.")
    return Verdict(headline, " ".join(parts), tone)
