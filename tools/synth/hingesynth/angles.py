"""Signed sagittal angles from 2D points: the conventions shared with the analysis engine.

All angles are in degrees. Points are (x, y) with y pointing *down* (image convention);
``facing`` is +1 when the athlete faces +x, -1 when facing -x.

- trunk_inclination = atan2(f*dx, -dy), (dx, dy) = shoulder - hip: 0 upright, + leaning forward.
- thigh_angle       = atan2(f*dx,  dy), (dx, dy) = knee - hip: 0 vertical, + knee ahead of hip.
- shin_angle        = atan2(f*dx, -dy), (dx, dy) = knee - ankle: 0 vertical, + knee ahead of ankle.
- hip_flexion  = trunk_inclination + thigh_angle  (0 trunk and thigh in line, + flexed).
- knee_flexion = thigh_angle + shin_angle          (0 hip-knee-ankle in line, + knee bent
  forward of the hip-ankle line, - hyperextended).
"""

from __future__ import annotations

import numpy as np

ANGLE_KEYS = ("hip_flexion_deg", "knee_flexion_deg", "trunk_inclination_deg", "shin_angle_deg")


def _atan2_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(a, b))


def sagittal_angles_2d(
    shoulder: np.ndarray,
    hip: np.ndarray,
    knee: np.ndarray,
    ankle: np.ndarray,
    facing: float,
) -> dict[str, np.ndarray]:
    """Angles of one side from (N, 2) arrays of image points (y down)."""
    f = float(np.sign(facing)) or 1.0
    d = shoulder - hip
    trunk = _atan2_deg(f * d[:, 0], -d[:, 1])
    d = knee - hip
    thigh = _atan2_deg(f * d[:, 0], d[:, 1])
    d = knee - ankle
    shin = _atan2_deg(f * d[:, 0], -d[:, 1])
    return {
        "hip_flexion_deg": trunk + thigh,
        "knee_flexion_deg": thigh + shin,
        "trunk_inclination_deg": trunk,
        "shin_angle_deg": shin,
        "thigh_angle_deg": thigh,
    }


def sagittal_angles_3d(
    shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray
) -> dict[str, np.ndarray]:
    """Angles from (N, 3) body-frame points (x lateral, y up, z forward), projected
    orthographically onto the sagittal (z, y) plane and fed to the 2D formulas."""

    def to2d(p: np.ndarray) -> np.ndarray:
        return np.stack([p[:, 2], -p[:, 1]], axis=1)  # forward -> +x, up -> -y

    return sagittal_angles_2d(to2d(shoulder), to2d(hip), to2d(knee), to2d(ankle), 1.0)
