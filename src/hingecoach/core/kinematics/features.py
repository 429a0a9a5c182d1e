"""Per-frame features: the angles and normalised positions the rep engine and faults read.

:func:`frame_features` is vectorised over any leading shape: the offline path computes all
frames at once, the live engine one frame at a time — the same function either way.

Normalised positions are in leg lengths (``_leg``: hip→knee + knee→ankle, 2D, the lifter's own
robust maximum), signed along the facing direction (+ = in front of the lifter).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from hingecoach.core.kinematics.angles import Angles, leg_front_x_at, sagittal_angles, trunk_tilt_deg

#: Feature names, in the order of :class:`Features` fields.
FEATURES = (
    "hip_flexion_deg", "knee_flexion_deg", "trunk_inclination_deg", "shin_angle_deg",
    "thigh_angle_deg", "trunk_tilt_deg", "depth_deg", "knee_ahead_leg", "wrist_leg_leg",
    "hip_back_leg", "shoulder_x_leg", "hip_x_leg", "hip_height_leg", "heel_height_leg",
    "valid",
)


@dataclass(frozen=True)
class References:
    """Lengths of the lifter's own body that normalise positions (pixels)."""

    trunk_px: float
    #: hip→knee + knee→ankle (2D), the unit of every ``_leg`` position.
    leg_px: float


@dataclass(frozen=True)
class Features:
    """Per-frame features; each array has the leading shape of the input (e.g. (T,) or ())."""

    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    trunk_inclination_deg: np.ndarray
    shin_angle_deg: np.ndarray
    thigh_angle_deg: np.ndarray
    trunk_tilt_deg: np.ndarray
    #: How far the lifter has hinged (deg), the rep engine's signal: hip flexion in a side or
    #: oblique view; the view-free trunk tilt from the front, where 2D hip flexion vanishes.
    depth_deg: np.ndarray
    knee_ahead_leg: np.ndarray
    wrist_leg_leg: np.ndarray
    hip_back_leg: np.ndarray
    shoulder_x_leg: np.ndarray
    hip_x_leg: np.ndarray
    hip_height_leg: np.ndarray
    heel_height_leg: np.ndarray
    valid: np.ndarray

    def row(self, i: int) -> dict[str, float]:
        """The features of frame ``i`` as plain floats."""
        return {f.name: float(getattr(self, f.name)[i]) for f in fields(self)}

    def as_dict(self) -> dict[str, np.ndarray]:
        """All features by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def frame_depth(joints: dict[str, np.ndarray], facing: float | np.ndarray, refs: References,
                depth_from_tilt: bool = False, plausible: dict[str, tuple[float, float]] | None = None,
                ) -> tuple[Angles, np.ndarray, np.ndarray]:
    """The sagittal angles, the trunk tilt and the rep signal (depth), as :func:`frame_features`
    computes them (angles outside ``plausible`` are NaN); all a rep counter needs."""
    ang = sagittal_angles(joints, facing)
    tilt = trunk_tilt_deg(joints, refs.trunk_px)
    hip_flex = ang.hip_flexion_deg
    if plausible:
        bad = np.zeros(np.shape(hip_flex), bool)
        for name, (low, high) in plausible.items():
            value = getattr(ang, name)
            bad |= (value < low) | (value > high)
        nan = np.where(bad, np.nan, 0.0)
        ang = Angles(**{k: v + nan for k, v in vars(ang).items()})
        hip_flex = ang.hip_flexion_deg
        tilt = tilt + nan
    depth = tilt if depth_from_tilt else np.where(np.isfinite(hip_flex), hip_flex, tilt)
    return ang, tilt, depth


def frame_features(joints: dict[str, np.ndarray], facing: float | np.ndarray, refs: References,
                   depth_from_tilt: bool = False,
                   plausible: dict[str, tuple[float, float]] | None = None,
                   contact_band_leg: float = 0.0) -> Features:
    """Compute features from mid-joints (:func:`hingecoach.core.kinematics.angles.mid_joints`).

    ``depth_from_tilt`` selects the trunk tilt as the depth signal (for a front view).
    ``plausible`` maps an angle name to its [low, high] range; a frame outside it is a
    mis-detected pose, and its angles become NaN.
    ``contact_band_leg``: the hands' gap from the legs is taken to the most forward leg point
    within this many leg lengths of the hands' height (0: the leg line at that height only).
    Missing joints give NaN features; ``valid`` is True where shoulders, hips and knees exist.
    """
    ang, tilt, depth = frame_depth(joints, facing, refs, depth_from_tilt, plausible)
    hip_flex = ang.hip_flexion_deg
    leg = refs.leg_px
    knee, ankle, hip, wrist = joints["knee"], joints["ankle"], joints["hip"], joints["wrist"]
    midfoot = np.where(np.isfinite(joints["heel"]) & np.isfinite(joints["foot_index"]),
                       (joints["heel"] + joints["foot_index"]) / 2.0, ankle)
    ground_y = np.where(np.isfinite(joints["heel"][..., 1]), joints["heel"][..., 1], ankle[..., 1])
    leg_x = leg_front_x_at(joints, wrist[..., 1], facing, contact_band_leg * leg)
    valid = (np.isfinite(joints["shoulder"][..., 0]) & np.isfinite(hip[..., 0])
             & np.isfinite(knee[..., 0]))
    return Features(
        hip_flexion_deg=hip_flex,
        knee_flexion_deg=ang.knee_flexion_deg,
        trunk_inclination_deg=ang.trunk_inclination_deg,
        shin_angle_deg=ang.shin_angle_deg,
        thigh_angle_deg=ang.thigh_angle_deg,
        trunk_tilt_deg=tilt,
        depth_deg=depth,
        knee_ahead_leg=facing * (knee[..., 0] - ankle[..., 0]) / leg,
        wrist_leg_leg=facing * (wrist[..., 0] - leg_x) / leg,
        hip_back_leg=-facing * (hip[..., 0] - midfoot[..., 0]) / leg,
        shoulder_x_leg=facing * joints["shoulder"][..., 0] / leg,
        hip_x_leg=facing * hip[..., 0] / leg,
        hip_height_leg=(ground_y - hip[..., 1]) / leg,
        heel_height_leg=-joints["heel"][..., 1] / leg,
        valid=valid,
    )
