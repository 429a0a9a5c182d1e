"""What changed, in words: better and worse said plainly, in the drills' terms."""

from __future__ import annotations

from hingecoach.core.compare.changes import FaultChange, FaultedReps, MetricChange
from hingecoach.core.compare.sentences import describe_changes


def change(key: str, a: float | None, b: float | None) -> MetricChange:
    from hingecoach.core.compare.changes import SPECS

    return MetricChange(key, SPECS[key].label, SPECS[key].unit, a, b)


def base(**values: tuple[float, float]) -> list[MetricChange]:
    defaults = {"hip_flexion_peak_deg": (85.0, 85.0), "knee_flexion_bottom_deg": (20.0, 20.0),
                "wrist_leg_distance_leg": (0.1, 0.1), "down_s": (1.0, 1.0), "up_s": (0.8, 0.8),
                "knee_travel_leg": (0.01, 0.01), "trunk_inclination_bottom_deg": (70.0, 70.0),
                "knee_flexion_start_deg": (15.0, 15.0)}
    defaults.update(values)
    return [change(k, *v) for k, v in defaults.items()]


CLEAN = FaultedReps(0, 3, 0, 3)


def test_the_article_example() -> None:
    s = describe_changes(base(hip_flexion_peak_deg=(60.0, 85.0), knee_flexion_bottom_deg=(30.0, 20.0)), CLEAN, [])
    assert s[0] == "You now reach 85° of hip flexion, up from 60°, with your knees 10° straighter at the bottom; " \
                   "the bar stays close."
    assert s[1] == "Every rep is clean, in both sets."
    assert s[2] == "The tempo is as before (1.0 s down, 0.8 s up)."


def test_worse_is_said() -> None:
    s = describe_changes(base(hip_flexion_peak_deg=(85.0, 60.0), knee_flexion_bottom_deg=(20.0, 35.0),
                              wrist_leg_distance_leg=(0.1, 0.25)), FaultedReps(0, 3, 3, 3),
                         [FaultChange("knee_dominant", "form", 0, 3, "Push your hips back, not down: a hinge. More.")],
                         full_range_deg=90.0)
    assert s[0].startswith("You now reach only 60° of hip flexion, down from 85° (the drill's full range is 90°), "
                           "and your knees bend 15° more at the bottom")
    assert "the bar comes further away from your legs" in s[0]
    assert s[1] == "None of the 3 reps is clean now, against all 3 before: new is knee dominant on 3 of 3 " \
                   "— push your hips back, not down: a hinge."


def test_faults_gone() -> None:
    s = describe_changes(base(), FaultedReps(2, 3, 0, 3), [FaultChange("bar_drift", "form", 2, 0, "Keep it close.")])
    assert s[0].endswith("the bar stays close now.")
    assert s[1] == "All 3 reps are clean now, up from 1 of 3: bar drift is gone."


def test_tempo_and_knees_forward() -> None:
    s = describe_changes(base(down_s=(1.0, 1.6), knee_travel_leg=(0.02, 0.12)), CLEAN, [])
    assert s[2] == "You lower in 1.6 s (was 1.0 s) and stand up in 0.8 s (was 0.8 s); your knees travel 10% " \
                   "of a leg length further forward."


def test_same_depth_unknown_bar() -> None:
    s = describe_changes(base(hip_flexion_peak_deg=(84.6, 85.2), wrist_leg_distance_leg=(None, None)),  # type: ignore[arg-type]
                         CLEAN, [])
    assert s[0] == "You reach 85° of hip flexion, as before, with your knees as before."
