"""The frame-by-frame rep engine: a hysteresis state machine over a hinge-depth signal.

Fed one depth value (degrees: larger = hinged further) per frame, it finds the turns of the
movement with hysteresis, and counts a rep only for a completed lift:

- a rep starts from the standing (start) position — the start-position gate — descends at least
  ``min_range_deg`` and climbs back ``completion_fraction`` of the way (a lift that ends at the
  top counts; a last descent with no lift, e.g. setting the weight down, does not);
- a clip that starts at the bottom counts its first lift (start = the first frame);
- wobble, a pause, a long hold at lockout, or a grip reset at the bottom never reverses by the
  hysteresis and the range, so none of them is a rep;
- thresholds are relative to the lifter's own standing level, so a lockout that never looks
  straight in 2D (e.g. 30° of apparent flexion) still counts.

The same :class:`RepCounter` runs offline (fed from a file) and live (fed from a camera).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hingecoach.core.settings import RepSettings


@dataclass
class Rep:
    """One completed lift, by frame index (``end`` is refined until the lifter settles)."""

    index: int
    start: int
    bottom: int
    end: int
    start_depth_deg: float
    bottom_depth_deg: float
    started_in_clip: bool = True
    final: bool = False


@dataclass(frozen=True)
class RepEvent:
    """Something the engine noticed at a frame: ``descent``, ``counted`` or ``final``."""

    kind: str
    frame: int
    rep: Rep | None = None


@dataclass
class RepCounter:
    """Online rep state machine. Call :meth:`update` per frame, then :meth:`finish`."""

    params: RepSettings
    fps: float
    #: Optional calibration: the lifter's standing depth, when known in advance (offline, the
    #: clip's low percentile). Live, it is learned from the first confirmed top.
    standing_deg: float = math.nan
    reps: list[Rep] = field(default_factory=list)
    # Turn tracking
    _direction: int = 0            # +1 going deeper, −1 coming up, 0 not yet known
    _min: float = math.inf         # extreme of the current leg (or since start)
    _min_i: int = 0
    _max: float = -math.inf
    _max_i: int = 0
    _top_level: float = math.inf   # the standing level: lowest confirmed turn at the top
    _start_i: int = 0              # candidate start frame of the current descent
    _start_depth: float = math.nan
    _start_in_clip: bool = True
    _pending: Rep | None = None    # counted, end still settling
    _counted_this_leg: bool = False
    _last_i: int = -1
    _settle_i: int = 0             # first frame that reached the top of the current up leg
    _settle_depth: float = math.inf
    _near_top_i: int = 0           # last frame still at the top before a descent
    _lost: int = 0                 # consecutive frames without a pose
    _first_leg: bool = True        # no top confirmed yet: a small first "descent" may be
                                   # wobble at the bottom of a clip that starts there

    def update(self, i: int, depth: float) -> list[RepEvent]:
        """Feed frame ``i``'s depth (degrees; NaN when the pose is missing)."""
        self._last_i = i
        events: list[RepEvent] = []
        p = self.params
        if not math.isfinite(depth):
            self._lost += 1
            if self._lost == int(p.max_lost_s * self.fps) + 1:
                # The lifter was lost for too long: a rep cannot be followed across the gap.
                events += self._settle(self._settle_i) if self._direction < 0 else []
                self._restart()
            return events
        self._lost = 0
        if self._direction == 0:
            if depth < self._min:
                self._min, self._min_i = depth, i
            if depth <= self._min + p.settle_tolerance_deg:
                self._near_top_i = i
            if depth > self._max:
                self._max, self._max_i = depth, i
            if depth - self._min >= p.hysteresis_deg and self._min_i < self._max_i:
                self._top_level = min(self._top_level, self._min)
                self._begin_descent(self._min, self._near_top_i, in_clip=True)
                events.append(RepEvent("descent", self._start_i))
            elif self._max - depth >= p.hysteresis_deg and self._max_i < self._min_i:
                # The clip starts at (or near) the bottom: its first lift counts.
                self._start_i, self._start_depth, self._start_in_clip = 0, math.nan, False
                self._turn_up()
            return events + self._check_completion(i, depth)

        if self._direction > 0:
            if depth > self._max:
                self._max, self._max_i = depth, i
            elif self._max - depth >= p.hysteresis_deg:
                self._turn_up()
        else:
            if depth < self._min:
                self._min, self._min_i = depth, i
                if depth < self._settle_depth - p.settle_tolerance_deg:
                    # The end is the first frame that came this close to the top.
                    self._settle_i, self._settle_depth = i, depth
            if depth <= self._min + p.settle_tolerance_deg:
                self._near_top_i = i
            if depth - self._min >= p.hysteresis_deg:
                level = self._standing_level()
                at_top = (not math.isfinite(level) or self._min <= level + p.top_tolerance_deg
                          or self._pending is not None)
                if at_top:
                    events += self._confirm_top()
                    self._begin_descent(self._min, self._near_top_i, in_clip=True)
                    events.append(RepEvent("descent", self._start_i))
                else:
                    # A bounce short of the top (a grip reset, a pause): the same rep goes on.
                    self._direction = +1
        return events + self._check_completion(i, depth)

    # --- internals --------------------------------------------------------------------------

    def _standing_level(self) -> float:
        if math.isfinite(self._top_level):
            return min(self._top_level, self.standing_deg) if math.isfinite(self.standing_deg) else self._top_level
        return self.standing_deg

    def new_signal(self) -> None:
        """The depth signal changed (live, to the trunk tilt once the view shows it hides the hip
        angle): forget the leg in progress and the standing level of the old signal; counted
        reps stay."""
        self._top_level = math.inf
        self._restart()

    def _restart(self) -> None:
        """Forget the leg in progress (after losing the lifter); counted reps stay."""
        self._direction = 0
        self._min, self._max = math.inf, -math.inf
        self._pending = None
        self._counted_this_leg = False
        self._first_leg = not math.isfinite(self._top_level)

    def _begin_descent(self, level: float, level_i: int, in_clip: bool) -> None:
        self._direction = +1
        self._start_i, self._start_depth, self._start_in_clip = level_i, level, in_clip
        self._max, self._max_i = level, level_i
        self._counted_this_leg = False

    def _turn_up(self) -> None:
        self._direction = -1
        self._min, self._min_i = self._max, self._max_i
        self._settle_i, self._settle_depth = self._max_i, self._max
        self._counted_this_leg = False

    def _check_completion(self, i: int, depth: float) -> list[RepEvent]:
        """Count the rep once the lift has climbed back far enough."""
        p = self.params
        if self._direction >= 0 or self._counted_this_leg:
            return []
        bottom = self._max
        top = self._start_depth
        down_s = (self._max_i - self._start_i) / self.fps
        descent = bottom - top if math.isfinite(top) else math.nan
        # A clip that starts at (or near) the bottom: its first leg has no real descent, only
        # wobble or mis-detections while the lifter sets up. Its first lift still counts.
        level = self._standing_level()
        off_gate = math.isfinite(level) and top > level + p.top_tolerance_deg
        from_bottom = not math.isfinite(top) or (
            self._first_leg and (descent < p.min_range_deg or down_s < p.min_phase_s or off_gate))
        if from_bottom:
            if bottom - depth < p.min_range_deg:
                return []
        else:
            if descent < p.min_range_deg or down_s < p.min_phase_s:
                return []
            # Start-position gate: the descent began from the standing level.
            if off_gate:
                return []
            if bottom - depth < p.completion_fraction * descent:
                return []
        start = 0 if from_bottom else self._start_i
        duration_s = (i - start) / self.fps
        # A real lift takes time; a jump of a few frames is a mis-detection.
        if duration_s < p.min_rep_s or duration_s > p.max_rep_s or (i - self._max_i) / self.fps < p.min_phase_s:
            return []
        self._counted_this_leg = True
        rep = Rep(index=len(self.reps) + 1, start=start, bottom=self._max_i, end=i,
                  start_depth_deg=math.nan if from_bottom else top, bottom_depth_deg=bottom,
                  started_in_clip=not from_bottom and self._start_in_clip)
        self.reps.append(rep)
        self._pending = rep
        return [RepEvent("counted", i, rep)]

    def _confirm_top(self) -> list[RepEvent]:
        """The top turn is confirmed: settle the pending rep's end and the standing level."""
        self._top_level = min(self._top_level, self._min)
        self._first_leg = False
        return self._settle(self._settle_i)

    def _settle(self, top_i: int) -> list[RepEvent]:
        rep = self._pending
        if rep is None:
            return []
        rep.end = max(rep.end, top_i)
        rep.final = True
        self._pending = None
        return [RepEvent("final", rep.end, rep)]

    def finish(self) -> list[RepEvent]:
        """End of the stream: settle the last rep at the lowest depth reached after its bottom."""
        if self._direction < 0 and self._pending is not None:
            return self._settle(self._settle_i)
        return []
