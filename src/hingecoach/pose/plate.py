"""The barbell's weight plate, found and followed in a side-view video.

Seen from the side, the plate is a circle whose centre is the bar, and the bar is in the lifter's
hands. :func:`track_plate` looks, frame by frame, for circles (``cv2.HoughCircles``, both the
gradient and the "alt" variant) in a window around the wrists of the lifter's :class:`PoseTrack`,
with radii set by the lifter's own size (a 45 cm plate is about a quarter of a leg length in
radius), scores each by how much of its rim is an edge in the picture, and settles the plate's
radius once for the whole clip (the radius seen with good support in the most frames). A second
pass over the video looks again for circles of that radius only, with lower thresholds; one
circle per frame (or none) is then picked by a shortest path over the frames that weighs rim
support, closeness to the wrists and smooth motion, and short or unreachable runs of detections
are dropped. The video is decoded twice; each frame is cut to the window and scaled so that a leg
is ~160 px before the search, so the cost hardly depends on the video's resolution. Positions are
given in the track's own pixel coordinates (``track.image_size``), so they compare with its
joints directly.

Nothing is filled in: a frame where no circle passes is NaN in :class:`PlateTrack`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.errors import HingeError


@dataclass(frozen=True)
class PlateSettings:
    """The tunable numbers of :func:`track_plate`, each with its reason.

    Lengths called "leg" are in leg lengths: hip->knee->ankle in the image, the clip's robust
    maximum (:attr:`leg_quantile`). A leg is about 0.85-0.95 m, so 1 leg ~ 0.9 m.
    """

    #: Quantile of the per-frame 2D leg length taken as the leg: the leg is foreshortened or
    #: mis-detected in some frames, never longer than it is, so a high quantile (not the max,
    #: which one bad frame sets) is its length.
    leg_quantile: float = 0.9
    #: Smallest plate radius looked for: a 20 cm bumper or training plate (0.10 m / 0.9 m, with
    #: some slack for a leg measured long).
    min_radius_leg: float = 0.12
    #: Largest plate radius looked for: a 45 cm plate is 0.225 m / 0.85-0.95 m = 0.24-0.26 leg;
    #: the near plate hangs 20-30 cm nearer the camera than the lifter's midline, so a camera
    #: 2 m away sees it ~15 % larger (0.30), and a leg measured short (a missed ankle) more: 0.36.
    max_radius_leg: float = 0.36
    #: How far the plate's centre may lie from the mid-wrist: the wrist sits a few cm above the
    #: bar, and the pose model guesses the wrists when the plate hides them (often 0.1-0.2 leg
    #: off), so the search window reaches this far around them.
    search_offset_leg: float = 0.45
    #: The frames are rescaled so that a leg is this many pixels: a 45 cm plate is then about
    #: 40 px in radius, enough for a clean circle and small enough to be fast; never upscaled.
    work_leg_px: float = 160.0
    #: Gaussian blur (in working pixels) before the circle search: removes the plate's lettering
    #: and compression noise that would otherwise break up the rim's gradient.
    blur_sigma_px: float = 1.5
    #: HOUGH_GRADIENT_ALT's edge threshold (Scharr gradient; OpenCV suggests 300 for this method).
    alt_edge_threshold: float = 200.0
    #: HOUGH_GRADIENT_ALT's "perfectness" (0-1): low, because legs and arms cover part of the rim;
    #: the rim-support score below rejects the weak ones.
    alt_perfectness: float = 0.6
    #: HOUGH_GRADIENT's upper Canny threshold (8-bit image).
    gradient_canny_high: float = 90.0
    #: HOUGH_GRADIENT's vote threshold, as a share of the smallest circle's perimeter: a rim
    #: seen over a quarter of its length is enough to be a candidate.
    gradient_votes_share: float = 0.25
    #: Second pass, once the clip's plate radius is known: the search is narrowed to that radius
    #: (:attr:`radius_tolerance`), so a fainter rim can be accepted without letting in the clutter
    #: of every other size: Canny's upper threshold and the vote share are lowered to these.
    refine_canny_high: float = 60.0
    refine_votes_share: float = 0.15
    #: Candidates kept from each Hough method per frame (both return the strongest first).
    max_candidates: int = 12
    #: Rim support: points sampled around a candidate circle.
    rim_samples: int = 72
    #: Rim support: a rim point is an edge when the gradient there is at least this strong
    #: (Sobel 3x3 on the 8-bit blurred image; a 25-level step in brightness gives ~100, and a
    #: dark plate on a grey floor is about half that).
    rim_gradient_min: float = 40.0
    #: Rim support: ... and points across the rim (|cos| between gradient and radius), so the edge
    #: of a bar, a leg or a floor line crossing the circle does not count.
    rim_direction_cos: float = 0.8
    #: Rim support: share of the circle that must lie inside the frame to be judged at all (a
    #: plate at the frame's lower edge is still half visible).
    rim_min_inside: float = 0.5
    #: A candidate whose rim support (share of its in-frame rim that is an edge) is below this is
    #: dropped: a real plate's rim shows over at least ~40 % even with the legs in front of it.
    min_support: float = 0.4
    #: A candidate whose centre lies within this share of its radius from the centre of a larger
    #: candidate (at least :attr:`concentric_ratio` times its radius) is a ring inside that circle
    #: (the hub, a label ring) and is dropped: the plate is the outer rim.
    concentric_offset: float = 0.25
    concentric_ratio: float = 1.3
    #: Histogram bin of the clip-level radius vote, as a ratio (log-spaced bins): 4 %. Each frame
    #: gives each bin the best support among its candidates near the wrists, so a circle seen in
    #: many frames (the plate) outvotes one seen often in a few (clutter, a hub ring).
    radius_bin_ratio: float = 1.04
    #: Once the clip's radius is known, candidates within this ratio of it are kept (the camera
    #: is still, so the plate's size hardly changes; zoom and pose of the plate allow ~15 %).
    radius_tolerance: float = 1.15
    #: Frame-to-frame step of the plate's centre beyond which two detections cannot be the same
    #: plate: a bar moves at most ~1.5 m/s, 0.05 m (0.06 leg) per frame at 30 fps; 0.15 leaves
    #: room for 12 fps clips and detection jitter.
    max_step_leg: float = 0.15
    #: Frame-to-frame step of the plate's centre that costs nothing: the bar's own motion, up to
    #: ~1.5 m/s (0.06 leg per frame at 30 fps).
    free_step_leg: float = 0.06
    #: Distance of the plate's centre from the mid-wrist that costs nothing: the wrist is ~0.1
    #: leg above the bar, and when the plate hides the hands the pose model's wrists are often
    #: another 0.1-0.2 leg off.
    free_wrist_leg: float = 0.25
    #: Path costs (dimensionless): a frame with no plate costs :attr:`miss_cost`; a candidate
    #: costs (1 - support) plus :attr:`wrist_weight` x its distance from the mid-wrist beyond
    #: :attr:`free_wrist_leg` plus :attr:`step_weight` x its step from the previous frame's
    #: choice beyond :attr:`free_step_leg` (both in leg). A miss costs as much as a candidate of
    #: support 0.5 by the wrists, so weaker ones are read as "not found".
    miss_cost: float = 0.5
    #: Cost of taking up the plate after a frame without it: a lone circle that happens to fit one
    #: frame (a round thing in the background near the hands) must beat a miss by this much.
    entry_cost: float = 0.15
    #: Two runs of found frames at most this many frames apart must be joinable by the bar's
    #: motion (:attr:`max_step_leg` per frame); when they are not, the shorter one is dropped (a
    #: round thing near the hands, taken up while the plate itself was not seen).
    run_link_frames: int = 15
    #: Runs of found frames shorter than this are dropped as chance fits: the plate is in the
    #: picture for whole phases of the lift, not for a frame or two.
    min_run_frames: int = 3
    wrist_weight: float = 1.0
    step_weight: float = 2.0
    #: Frames of the running median applied to the chosen centres and radii (within runs of found
    #: frames only; nothing is filled): takes out a one-frame jitter of the circle fit.
    median_frames: int = 3
    #: The video may have this many frames more or fewer than the pose track (an edit list or a
    #: dropped leading frame); beyond it the two are not the same clip.
    frame_count_slack: int = 2
    #: With a plate found in fewer than this share of frames, the search is run again for plates
    #: up to :attr:`retry_max_radius_leg`: the near plate hangs 0.65-0.75 m toward the camera from
    #: the lifter's midline (a 2.2 m bar), so a camera 3.4 m away sees it ~1.3x the size it would
    #: have at the legs (0.39 leg on the rendered athlete). Not the first search's range, because
    #: a wider range lets bigger chance circles win the clip's radius vote (on the low-contrast
    #: bichraix clips it then found nothing).
    retry_below_share: float = 0.05
    retry_max_radius_leg: float = 0.5


@dataclass(frozen=True)
class PlateTrack:
    """The plate per frame, in the pose track's pixel coordinates.

    ``center_xy`` (T, 2) and ``radius_px`` (T,) are NaN where the plate was not found;
    ``found`` (T,) says where it was. ``leg_px`` is the leg length the radii were derived from.
    """

    center_xy: np.ndarray
    radius_px: np.ndarray
    found: np.ndarray
    leg_px: float = math.nan

    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.found.shape[0])

    @property
    def found_share(self) -> float:
        """Share of the frames where the plate was found (0 for an empty track)."""
        return float(self.found.mean()) if self.found.size else 0.0

    @property
    def radius_median_px(self) -> float:
        """Median radius over the found frames (NaN when none)."""
        return float(np.median(self.radius_px[self.found])) if self.found.any() else math.nan


# --- measurements on the pose track ----------------------------------------------------------

def leg_length_px(track: PoseTrack, quantile: float = 0.9) -> float:
    """The lifter's leg (hip->knee->ankle, 2D, longer side per frame) as the clip's ``quantile``;
    NaN when no frame shows a whole leg."""
    legs = []
    for side in ("left", "right"):
        hip, knee, ankle = (track.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        legs.append(np.linalg.norm(knee - hip, axis=1) + np.linalg.norm(ankle - knee, axis=1))
    per_frame = np.fmax(legs[0], legs[1])
    per_frame = per_frame[np.isfinite(per_frame) & (per_frame > 0)]
    return float(np.quantile(per_frame, quantile)) if per_frame.size else math.nan


def mid_wrist(track: PoseTrack) -> np.ndarray:
    """The mid-wrist (or the one wrist seen) per frame, (T, 2); gaps filled by linear
    interpolation and held at the ends, all NaN when no wrist is ever seen."""
    with np.errstate(invalid="ignore"):
        lw, rw = track.joint("left_wrist"), track.joint("right_wrist")
        mid = np.where(np.isnan(lw), rw, np.where(np.isnan(rw), lw, (lw + rw) / 2.0))
    ok = np.isfinite(mid).all(axis=1)
    if not ok.any():
        return np.full_like(mid, np.nan)
    idx = np.arange(len(mid))
    return np.stack([np.interp(idx, idx[ok], mid[ok, d]) for d in range(2)], axis=1)


# --- per-frame candidates --------------------------------------------------------------------

def _rim_support(gx: np.ndarray, gy: np.ndarray, cx: float, cy: float, r: float,
                 s: PlateSettings) -> float:
    """Share of a circle's in-image rim where the picture has an edge across the rim (0 when
    less than :attr:`PlateSettings.rim_min_inside` of the circle is in the image)."""
    h, w = gx.shape
    ang = np.linspace(0.0, 2.0 * np.pi, s.rim_samples, endpoint=False)
    ca, sa = np.cos(ang), np.sin(ang)
    hit = np.zeros(s.rim_samples, dtype=bool)
    inside = np.zeros(s.rim_samples, dtype=bool)
    for dr in (-1.0, 0.0, 1.0):   # a one-pixel slack in the fitted radius
        x = np.rint(cx + (r + dr) * ca).astype(int)
        y = np.rint(cy + (r + dr) * sa).astype(int)
        ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        if dr == 0.0:
            inside = ok
        gxs = np.where(ok, gx[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)], 0.0)
        gys = np.where(ok, gy[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)], 0.0)
        mag = np.hypot(gxs, gys)
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.abs(gxs * ca + gys * sa) / mag
        hit |= ok & (mag >= s.rim_gradient_min) & (cos >= s.rim_direction_cos)
    n_in = int(inside.sum())
    if n_in < s.rim_min_inside * s.rim_samples:
        return 0.0
    return float((hit & inside).sum() / n_in)


def _candidates(gray: np.ndarray, r_min: float, r_max: float, s: PlateSettings, refine: bool) -> np.ndarray:
    """Circles in one (blurred, 8-bit) window: rows (x, y, r, support), support >= min_support.
    ``refine``: the radius range is the clip's plate, so the Hough thresholds are lowered."""
    r_lo, r_hi = max(3, int(math.floor(r_min))), max(4, int(math.ceil(r_max)))
    canny = s.refine_canny_high if refine else s.gradient_canny_high
    share = s.refine_votes_share if refine else s.gradient_votes_share
    found: list[np.ndarray] = []
    for method, p1, p2, dp in (
            (cv2.HOUGH_GRADIENT_ALT, s.alt_edge_threshold, s.alt_perfectness, 1.5),
            (cv2.HOUGH_GRADIENT, canny, max(8.0, share * 2.0 * math.pi * r_lo), 1.0)):
        circles = cv2.HoughCircles(gray, method, dp=dp, minDist=max(2.0, r_lo / 2.0), param1=p1,
                                   param2=p2, minRadius=r_lo, maxRadius=r_hi)
        if circles is not None:
            found.append(np.asarray(circles, dtype=np.float64).reshape(-1, 3)[:s.max_candidates])
    if not found:
        return np.zeros((0, 4))
    circ = np.concatenate(found)
    g = gray.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    sup = np.array([_rim_support(gx, gy, x, y, r, s) for x, y, r in circ])
    keep = sup >= s.min_support
    circ, sup = circ[keep], sup[keep]
    inner = np.zeros(len(circ), dtype=bool)
    for i, (x, y, r) in enumerate(circ):
        inner[i] = bool(np.any((circ[:, 2] >= s.concentric_ratio * r)
                               & (np.hypot(circ[:, 0] - x, circ[:, 1] - y) <= s.concentric_offset * r)))
    return np.column_stack([circ[~inner], sup[~inner]])


# --- choosing one plate per frame ------------------------------------------------------------

def _clip_radius(cands: list[np.ndarray], wrists: np.ndarray, leg: float, s: PlateSettings) -> float:
    """The plate's radius for the whole clip (track pixels): the peak of the radius vote, each
    frame giving each radius bin the best rim support among its candidates near the wrists;
    NaN when there are none."""
    near_c: list[np.ndarray] = []
    for c, wr in zip(cands, wrists, strict=True):
        if len(c) and np.isfinite(wr).all():
            near_c.append(c[np.hypot(c[:, 0] - wr[0], c[:, 1] - wr[1]) <= s.search_offset_leg * leg])
    allc = np.concatenate(near_c) if near_c else np.zeros((0, 4))
    if not len(allc):
        return math.nan
    step = math.log(s.radius_bin_ratio)
    lo = math.log(allc[:, 2].min()) - step / 2
    n_bins = int((math.log(allc[:, 2].max()) - lo) / step) + 1
    votes = np.zeros(n_bins)
    for c in near_c:
        best = np.zeros(n_bins)
        np.maximum.at(best, ((np.log(c[:, 2]) - lo) / step).astype(int), c[:, 3])
        votes += best
    smooth = np.convolve(votes, np.ones(3), mode="same")   # a radius often splits over two bins
    peak = int(np.argmax(smooth))
    bins = ((np.log(allc[:, 2]) - lo) / step).astype(int)
    return float(np.median(allc[np.abs(bins - peak) <= 1, 2]))


def _best_path(cands: list[np.ndarray], wrists: np.ndarray, leg: float, s: PlateSettings) -> list[int]:
    """One candidate per frame (-1: none) by the shortest path over the frames (Viterbi)."""
    big = 1e9
    prev_cost = np.zeros(1)          # state 0 is "no plate"
    prev_xy = np.zeros((0, 2))
    back: list[np.ndarray] = []
    for c, wr in zip(cands, wrists, strict=True):
        n = len(c)
        emit = np.empty(n + 1)
        emit[0] = s.miss_cost
        if n:
            dw = np.hypot(c[:, 0] - wr[0], c[:, 1] - wr[1]) / leg if np.isfinite(wr).all() else np.zeros(n)
            emit[1:] = (1.0 - c[:, 3]) + s.wrist_weight * np.maximum(0.0, dw - s.free_wrist_leg)
        trans = np.zeros((len(prev_cost), n + 1))   # to a miss: free
        trans[0, 1:] = s.entry_cost
        if n and len(prev_xy):
            step = np.hypot(prev_xy[:, None, 0] - c[None, :, 0], prev_xy[:, None, 1] - c[None, :, 1]) / leg
            trans[1:, 1:] = np.where(step <= s.max_step_leg,
                                     s.step_weight * np.maximum(0.0, step - s.free_step_leg), big)
        total = prev_cost[:, None] + trans
        arg = np.argmin(total, axis=0)
        back.append(arg)
        prev_cost = total[arg, np.arange(n + 1)] + emit
        prev_xy = c[:, :2] if n else np.zeros((0, 2))
    state = int(np.argmin(prev_cost))
    path = [0] * len(back)
    for t in range(len(back) - 1, -1, -1):
        path[t] = state - 1
        state = int(back[t][state])
    return path


def _runs(found: np.ndarray) -> list[tuple[int, int]]:
    """The (start, stop) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], found.astype(int), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _consistent_runs(circ: np.ndarray, found: np.ndarray, leg: float, s: PlateSettings) -> np.ndarray:
    """``found`` without runs shorter than :attr:`PlateSettings.min_run_frames` and without the
    shorter of two nearby runs that the bar's motion cannot join."""
    found = found.copy()
    for a, b in _runs(found):
        if b - a < s.min_run_frames:
            found[a:b] = False
    runs = _runs(found)
    changed = True
    while changed:
        changed = False
        for (a0, b0), (a1, b1) in zip(runs, runs[1:], strict=False):
            gap = a1 - (b0 - 1)
            if gap > s.run_link_frames:
                continue
            jump = float(np.hypot(*(circ[a1, :2] - circ[b0 - 1, :2]))) / leg
            if jump > s.max_step_leg * gap:
                drop = (a0, b0) if b0 - a0 < b1 - a1 else (a1, b1)
                found[drop[0]:drop[1]] = False
                runs.remove(drop)
                changed = True
                break
    return found


def _running_median(values: np.ndarray, found: np.ndarray, frames: int) -> np.ndarray:
    """Median over up to ``frames`` frames centred on each found frame; the window shrinks
    symmetrically at a run's ends (a one-sided window would lag a moving plate)."""
    half = frames // 2
    out = values.copy()
    for t in np.flatnonzero(found):
        h = half
        while h > 0 and (t - h < 0 or t + h >= len(values) or not found[t - h:t + h + 1].all()):
            h -= 1
        if h:
            out[t] = np.median(values[t - h:t + h + 1], axis=0)
    return out


# --- the tracker -----------------------------------------------------------------------------

def track_plate(video_path: str | Path, track: PoseTrack, *, settings: PlateSettings | None = None) -> PlateTrack:
    """Find the barbell's plate in each frame of a side-view video.

    ``track`` is the pose track of the same video (any skeleton; it is standardized here). The
    result is in the track's pixel coordinates. Raises :class:`HingeError` when the video cannot
    be read, when its frame count or picture shape does not match the track's, or when the track
    never shows a whole leg or a wrist (the plate's size and place come from them).
    """
    s = settings or PlateSettings()
    first = _track_plate(Path(video_path), track.standardized(), s)
    if first.found_share >= s.retry_below_share or s.retry_max_radius_leg <= s.max_radius_leg:
        return first
    # Nothing of the usual size: the camera may be close enough that the near plate looks larger.
    wider = _track_plate(Path(video_path), track.standardized(), replace(s, max_radius_leg=s.retry_max_radius_leg))
    return wider if wider.found_share > first.found_share else first


def _track_plate(path: Path, track: PoseTrack, s: PlateSettings) -> PlateTrack:
    """:func:`track_plate` for one radius range (``s.min_radius_leg`` to ``s.max_radius_leg``)."""
    n = track.n_frames
    leg = leg_length_px(track, s.leg_quantile)
    if not math.isfinite(leg):
        raise HingeError(f"{path.name}: the pose track never shows a whole leg, so the plate's size is unknown")
    wrists = mid_wrist(track)
    if not np.isfinite(wrists).any():
        raise HingeError(f"{path.name}: the pose track never shows a wrist, so there is no bar to look for")
    if not path.is_file():
        raise HingeError(f"{path.name}: no such video file")
    cands, decoded = _scan(path, track, wrists, leg, s)
    if decoded == 0:
        raise HingeError(f"{path.name}: no frame of the video could be decoded")
    if abs(decoded - n) > s.frame_count_slack:
        raise HingeError(f"{path.name}: the video has {decoded} frames but the pose track {n}; "
                         f"they are not of the same clip")
    cands += [np.zeros((0, 4))] * (n - len(cands))
    empty = PlateTrack(center_xy=np.full((n, 2), np.nan), radius_px=np.full(n, np.nan),
                       found=np.zeros(n, dtype=bool), leg_px=leg)
    radius = _clip_radius(cands, wrists, leg, s)
    if not math.isfinite(radius):
        return empty
    cands, _ = _scan(path, track, wrists, leg, s, radius)
    cands += [np.zeros((0, 4))] * (n - len(cands))
    path_idx = _best_path(cands, wrists, leg, s)
    found = np.array([i >= 0 for i in path_idx], dtype=bool)
    circ = np.full((n, 3), np.nan)
    for t, i in enumerate(path_idx):
        if found[t]:
            circ[t] = cands[t][i, :3]
    found = _consistent_runs(circ, found, leg, s)
    circ[~found] = np.nan
    circ = _running_median(circ, found, s.median_frames)
    return PlateTrack(center_xy=circ[:, :2], radius_px=circ[:, 2], found=found, leg_px=leg)


def _scan(path: Path, track: PoseTrack, wrists: np.ndarray, leg: float, s: PlateSettings,
          radius: float | None = None) -> tuple[list[np.ndarray], int]:
    """Decode the frames and collect each one's circle candidates (track pixels); returns them
    and the number of frames decoded. Stops reading once the video is clearly longer than the
    track. ``radius`` (track px): look only for circles of about this radius."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise HingeError(f"{path.name}: cannot open the video")
        return _scan_frames(cap, path.name, track, wrists, leg, s, radius)
    finally:
        cap.release()


def _scan_frames(cap: cv2.VideoCapture, name: str, track: PoseTrack, wrists: np.ndarray, leg: float,
                 s: PlateSettings, radius: float | None) -> tuple[list[np.ndarray], int]:
    n = track.n_frames
    cands: list[np.ndarray] = []
    decoded = 0
    to_frame: tuple[float, float] | None = None
    while True:
        ok, frame = cap.read()
        if not ok or frame is None:
            break
        decoded += 1
        if decoded > n + s.frame_count_slack:
            break
        if decoded > n:
            continue
        if to_frame is None:
            to_frame = _frame_scale(name, frame.shape[1], frame.shape[0], track.image_size)
        t = decoded - 1
        wr = wrists[t]
        if not np.isfinite(wr).all():
            cands.append(np.zeros((0, 4)))
            continue
        cands.append(_frame_candidates(frame, wr, leg, to_frame, s, radius))
    return cands, decoded


def _frame_scale(name: str, width: int, height: int, image_size: tuple[int, int] | None) -> tuple[float, float]:
    """Video pixels per track pixel (x, y); refuses a picture not shaped like the track's."""
    if image_size is None:
        return 1.0, 1.0
    tw, th = float(image_size[0]), float(image_size[1])
    if abs(width / height - tw / th) > 0.02 * (tw / th):
        raise HingeError(f"{name}: the video's frames are {width}x{height} but the pose track's "
                         f"{int(tw)}x{int(th)}; they are not of the same clip (or not turned alike)")
    return width / tw, height / th


def _frame_candidates(frame: np.ndarray, wrist: np.ndarray, leg: float, to_frame: tuple[float, float],
                      s: PlateSettings, radius: float | None = None) -> np.ndarray:
    """The circle candidates of one frame, in track pixels: (x, y, r, support) rows."""
    sx, sy = to_frame
    half = (s.search_offset_leg + s.max_radius_leg * 1.1) * leg      # track pixels
    h, w = frame.shape[:2]
    x0 = max(0, int((wrist[0] - half) * sx))
    x1 = min(w, int(math.ceil((wrist[0] + half) * sx)))
    y0 = max(0, int((wrist[1] - half) * sy))
    y1 = min(h, int(math.ceil((wrist[1] + half) * sy)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return np.zeros((0, 4))
    crop = frame[y0:y1, x0:x1]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    k = min(1.0, s.work_leg_px / (leg * sx))                         # working px per video px
    if k < 1.0:
        gray = cv2.resize(gray, (max(1, round(gray.shape[1] * k)), max(1, round(gray.shape[0] * k))),
                          interpolation=cv2.INTER_AREA)
    gray = cv2.GaussianBlur(gray, (0, 0), s.blur_sigma_px)
    leg_work = leg * sx * k
    if radius is None:
        c = _candidates(gray, s.min_radius_leg * leg_work, s.max_radius_leg * leg_work, s, refine=False)
    else:
        r_work = radius * sx * k
        c = _candidates(gray, r_work / s.radius_tolerance, r_work * s.radius_tolerance, s, refine=True)
    if not len(c):
        return c
    # working px -> video px -> track px
    out = c.copy()
    out[:, 0] = (c[:, 0] / k + x0) / sx
    out[:, 1] = (c[:, 1] / k + y0) / sy
    out[:, 2] = c[:, 2] / k / sx
    return out
