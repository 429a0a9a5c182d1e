"""The 2D angle formulas on hand-made cases: the conventions the analysis engine shares."""

import numpy as np
import pytest
from hingesynth.angles import sagittal_angles_2d


def pts(*xy):
    return np.array([xy], dtype=float)


# (shoulder, hip, knee, ankle) for an athlete facing +x (image y down), expected angles.
CASES = [
    # standing straight
    ((0, -50), (0, 0), (0, 45), (0, 90),
     dict(hip_flexion_deg=0, knee_flexion_deg=0, trunk_inclination_deg=0, shin_angle_deg=0)),
    # trunk horizontal forward, legs straight: hip flexion 90
    ((50, 0), (0, 0), (0, 45), (0, 90),
     dict(hip_flexion_deg=90, knee_flexion_deg=0, trunk_inclination_deg=90, shin_angle_deg=0)),
    # seated: thigh horizontal forward, shin vertical: hip 90, knee 90
    ((0, -50), (0, 0), (45, 0), (45, 45),
     dict(hip_flexion_deg=90, knee_flexion_deg=90, trunk_inclination_deg=0, shin_angle_deg=0)),
    # quadruped: trunk horizontal, thigh vertical, shin horizontal behind the knee
    ((50, 0), (0, 0), (0, 45), (-45, 45),
     dict(hip_flexion_deg=90, knee_flexion_deg=90, trunk_inclination_deg=90, shin_angle_deg=90)),
    # leaning back at lockout: shoulders behind the hips, hip extended
    ((-10, -50), (0, 0), (0, 45), (0, 90),
     dict(trunk_inclination_deg=np.degrees(np.arctan2(-10, 50)), hip_flexion_deg=np.degrees(np.arctan2(-10, 50)))),
    # knee hyperextended: knee behind the hip-ankle line
    ((0, -50), (0, 0), (-5, 45), (0, 90), dict(knee_flexion_deg=-2 * np.degrees(np.arctan2(5, 45)))),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("facing", [1, -1])
def test_hand_cases(case, facing):
    """Each angle has its documented zero and sign, whichever way the athlete faces."""
    *points, expected = case
    mirrored = [pts(facing * x, y) for x, y in points]
    got = sagittal_angles_2d(*mirrored, facing=facing)
    for key, value in expected.items():
        assert got[key][0] == pytest.approx(value, abs=1e-9), key
