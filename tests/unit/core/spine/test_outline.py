"""The back measurement on generated silhouettes of known curvature (no video).

A fake hinge track gives the hip and shoulder on every frame; a mask is drawn around the trunk
with a back whose outline bends by a known angle (growing with the depth of the hinge), and the
measurement must follow it, the detector must fire with flexion and not without, and the
confidence must fall (and say why) when the arms cover the back or the outline is lost.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fakes import MASK_SIZE as SIZE
from fakes import track_with_back, trunk_mask

from hingecoach.core.drills import get_drill
from hingecoach.core.faults.detectors import DETECTORS, RepContext, detect_faults
from hingecoach.core.faults.rounded_back import experimental_notes
from hingecoach.core.reps.engine import track_features
from hingecoach.core.spine.outline import (
    FLEXION_GAIN,
    N_STATIONS,
    NEUTRAL_CHANGE_DEG,
    NEUTRAL_HELD_DEG,
    NEUTRAL_SET_GAIN,
    NOTE_MIN_CONFIDENCE,
    BackReading,
    back_profile,
    neutral_reference,
    outline_bend_deg,
    read_back,
)
from hingecoach.core.track.fakes import fake_hinge_track
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.pose.silhouette import profile_from_mask


def test_profile_from_mask_finds_both_edges() -> None:
    """On a straight trunk the two edges lie at the drawn distances from the trunk line."""
    hip, sho = np.array([300.0, 300.0]), np.array([300.0, 160.0])   # upright, 140 px
    mask = trunk_mask(hip, sho, facing=1, bend_deg=0.0)
    prof = profile_from_mask(mask, hip, sho)
    s = N_STATIONS
    assert prof.shape == (2 * s, 2)
    # Facing +x: the back is toward -x (the normal (u_y, -u_x) of u = (0, -1) is (-1, 0)).
    assert np.allclose(prof[:s, 0], 300.0 - 0.18 * 140, atol=1.5)
    assert np.allclose(prof[s:, 0], 300.0 + 0.2 * 140, atol=1.5)
    assert np.allclose(prof[:s, 1], np.linspace(300.0, 160.0, s), atol=0.5)


def test_profile_from_mask_without_a_person() -> None:
    """No mask under the trunk line, or no trunk, gives NaN points rather than guesses."""
    empty = np.zeros((SIZE[1], SIZE[0]), np.float32)
    assert np.isnan(profile_from_mask(empty, np.array([300.0, 300.0]), np.array([300.0, 160.0]))).all()
    assert np.isnan(profile_from_mask(empty, np.array([np.nan, 1.0]), np.array([300.0, 160.0]))).all()


@pytest.mark.parametrize("flex_deg", [0.0, 20.0, 40.0, 60.0])
def test_bend_change_follows_the_drawn_curvature(flex_deg: float) -> None:
    """The change of the outline's bend at the bottom is the drawn parabola's turn between the
    outline's ends (t 0.1 to 0.9: its tangent turns 2·atan(0.8·k) there, k = half the drawn
    bend in radians), and the lower back's change is the turn between the lower and middle
    pieces (their centres are 0.3 of the trunk apart: 0.3 × bend)."""
    tf = track_features(track_with_back(flex_deg))
    bp = back_profile(tf)
    assert bp is not None
    bottom = tf.reps[0].bottom
    w = slice(bottom - 3, bottom + 4)
    change = float(np.nanmedian(bp.change_deg[w]))
    turn = math.degrees(2.0 * math.atan(0.8 * math.radians(flex_deg) / 2.0))
    assert change == pytest.approx(turn, abs=1.5)  # a 121 px trunk: ~1° of pixels
    assert float(np.nanmedian(bp.lumbar_deg[w])) == pytest.approx(0.3 * flex_deg, abs=1.5)
    # The estimate is the change on the calibrated scale.
    est = float(np.nanmedian(bp.flexion_deg[w]))
    expected = FLEXION_GAIN * (change - NEUTRAL_CHANGE_DEG)
    assert est == pytest.approx(expected, abs=0.5)


def test_outline_bend_of_a_circular_arc() -> None:
    """An arc turning θ reads θ, whatever its tilt (within 2% up to 30°; a parabola is flatter
    than an arc, so 60° reads ~6% low); a straight line reads 0; the sign says convex (+) from
    hollow (−); too few points read NaN."""
    rows = []
    for theta, tilt in ((0.0, 0.0), (30.0, 0.0), (30.0, 25.0), (-30.0, 0.0), (60.0, -10.0)):
        r = 1.0 / max(math.radians(abs(theta)), 1e-9)
        phi = np.linspace(-math.radians(theta) / 2, math.radians(theta) / 2, 17)
        if theta == 0.0:
            a, b = np.linspace(-0.4, 0.4, 17), np.zeros(17)
        else:
            a, b = r * np.sin(phi), np.sign(theta) * r * (np.cos(phi) - 1.0)
        c, s = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
        rows.append((c * a - s * b, s * a + c * b))
    a = np.stack([r[0] for r in rows])
    b = np.stack([r[1] for r in rows])
    bend = outline_bend_deg(a, b)
    assert bend[:4] == pytest.approx([0.0, 30.0, 30.0, -30.0], rel=0.02, abs=0.5)
    assert bend[4] == pytest.approx(60.0, rel=0.08)
    sparse = a[:1].copy()
    sparse[0, 3:] = np.nan
    assert np.isnan(outline_bend_deg(sparse, b[:1])).all()


def test_facing_left_reads_the_other_edge() -> None:
    """A lifter facing left gives the same estimate: the back is the other edge."""
    right = back_profile(track_features(track_with_back(40.0, yaw_deg=0.0)))
    left_tf = track_features(track_with_back(40.0, yaw_deg=180.0))
    left = back_profile(left_tf)
    assert right is not None and left is not None
    b = left_tf.reps[0].bottom
    assert np.nanmedian(left.flexion_deg[b - 3:b + 4]) == pytest.approx(np.nanmedian(right.flexion_deg[b - 3:b + 4]), abs=1.0)


def _rounded_back_spec():  # type: ignore[no-untyped-def]
    spec = next(f for f in get_drill("romanian_deadlift").faults if f.id == "rounded_back")
    assert spec.detector == "back_flexion"
    return spec


def _findings(track: PoseTrack, neutral: tuple[float, float] | None = None) -> list:  # type: ignore[type-arg]
    tf = track_features(track)
    tf.back_neutral = neutral
    spec = _rounded_back_spec()
    out = []
    for rep in tf.reps:
        ctx = RepContext(rep=rep, tf=tf, metrics={}, view_confidence=1.0)
        out.append(DETECTORS["back_flexion"](ctx, spec))
    return out


def test_detector_fires_with_flexion_and_not_without() -> None:
    """A back that rounds well past the threshold is found on every rep; a neutral one never."""
    spec = _rounded_back_spec()
    # The drawn bend that the calibrated scale reads as twice the threshold.
    change = math.radians(2 * spec.threshold / FLEXION_GAIN + NEUTRAL_CHANGE_DEG)
    flex = math.degrees(2.0 * math.tan(change / 2.0) / 0.8)   # see test_bend_change_follows_...
    rounded = _findings(track_with_back(flex))
    assert rounded and all(f is not None for f in rounded)
    for f in rounded:
        assert f.value == pytest.approx(2 * spec.threshold, rel=0.15)
        assert f.threshold == spec.threshold and f.unit == "deg" and f.confidence > 0.6
    assert all(f is None for f in _findings(track_with_back(0.0)))


def _read_at_bottom(track: PoseTrack, view: str | None = None) -> BackReading:
    """The back read over ±4 frames around the first rep's bottom (in the track's view)."""
    tf = track_features(track)
    bp = back_profile(tf)
    assert bp is not None
    rep = tf.reps[0]
    return read_back(bp, slice(rep.bottom - 4, rep.bottom + 5), view or tf.view)


def test_confidence_falls_when_the_arms_cover_the_back() -> None:
    """Hands on the back (a bar across it) lower the confidence and say so."""
    covered = _read_at_bottom(track_with_back(60.0, arms_over_back=True))
    clear = _read_at_bottom(track_with_back(60.0))
    assert covered.confidence < 0.5 * clear.confidence
    assert any("arms" in r for r in covered.reasons) and not clear.reasons


def test_confidence_falls_when_the_outline_is_lost() -> None:
    """Half the back's outline missing (a poor mask) lowers the confidence and says so."""
    r = _read_at_bottom(track_with_back(60.0, lose_outline=True))
    assert r.confidence < 0.6 and any("outline" in x for x in r.reasons)


def test_confidence_falls_out_of_profile() -> None:
    """Not a side view: the estimate is given with a lower confidence and the reason."""
    track = track_with_back(40.0)
    side, oblique = _read_at_bottom(track, "side"), _read_at_bottom(track, "oblique")
    assert oblique.confidence <= 0.5 * side.confidence
    assert any("not in profile" in x for x in oblique.reasons)


def test_confidence_falls_when_the_trunk_is_turned() -> None:
    """A camera 30° off the side (still called a side view) sees the shoulders apart and part
    of the chest or shoulder blade in the outline: the confidence falls and says why; square to
    the camera it does not."""
    square = _read_at_bottom(track_with_back(40.0), "side")
    turned = _read_at_bottom(track_with_back(40.0, yaw_deg=30.0), "side")
    assert not any("turned" in x for x in square.reasons)
    assert any("turned from the camera" in x for x in turned.reasons)
    assert turned.confidence <= 0.6 * square.confidence


def test_without_profiles_the_fault_is_not_measured() -> None:
    """A keypoint file has no silhouette: rounded_back is reported as not measured, not absent."""
    tf = track_features(fake_hinge_track())
    ctx = RepContext(rep=tf.reps[0], tf=tf, metrics={}, view_confidence=1.0)
    findings, unmeasured = detect_faults(ctx, get_drill("romanian_deadlift").faults, "side")
    assert "rounded_back" in unmeasured
    assert all(f.id != "rounded_back" for f in findings)


def test_rounded_back_is_measured_by_the_ladder() -> None:
    """With py imported by faults, rounded_back is no longer reported as not measured."""
    tf = track_features(track_with_back(0.0))
    ctx = RepContext(rep=tf.reps[0], tf=tf, metrics={}, view_confidence=1.0)
    _, unmeasured = detect_faults(ctx, get_drill("romanian_deadlift").faults, "side")
    assert "rounded_back" not in unmeasured


def test_profiles_survive_save_load_and_standardize(tmp_path: Path) -> None:
    """The .npz keeps the profiles; standardizing and processing steps carry them."""
    track = track_with_back(20.0)
    assert track.profiles is not None
    loaded = PoseTrack.load(track.save(tmp_path / "t.npz"))
    assert loaded.profiles is not None
    np.testing.assert_allclose(loaded.profiles, track.profiles, atol=1e-3, equal_nan=True)
    assert loaded.standardized().profiles is loaded.profiles
    tf = track_features(loaded)
    assert tf.track.profiles is not None and tf.track.profiles.shape == track.profiles.shape


def test_profiles_must_match_the_frames() -> None:
    """A profile array of the wrong length is refused."""
    from hingecoach.errors import HingeError

    track = fake_hinge_track()
    with pytest.raises(HingeError):
        track.with_step("bad", profiles=np.zeros((track.n_frames + 1, 42, 2)))


def _notes(track: PoseTrack) -> list[list[dict]]:  # type: ignore[type-arg]
    tf = track_features(track)
    specs = get_drill("romanian_deadlift").faults
    return [experimental_notes(RepContext(rep=rep, tf=tf, metrics={}, view_confidence=1.0), specs, "side")
            for rep in tf.reps]


def test_a_neutral_back_is_noted_on_every_rep() -> None:
    """A back that stays neutral gets an experimental 'neutral back' note per rep: its value
    (the same estimate the fault reads), the bound it stayed within, frames and confidence."""
    per_rep = _notes(track_with_back(0.0))
    assert per_rep and all(len(n) == 1 for n in per_rep)
    for (note,) in per_rep:
        assert note["id"] == "neutral_back" and note["fault"] == "rounded_back"
        assert note["value"] <= note["threshold"] == NEUTRAL_HELD_DEG and note["unit"] == "deg"
        assert note["confidence"] >= NOTE_MIN_CONFIDENCE and len(note["frames"]) == 2
        assert "held within" in note["detail"]


def test_a_rounding_back_is_not_praised() -> None:
    """Rounded past the fault's threshold, or in the grey zone between the neutral bound and
    the threshold, the back gets no note."""
    spec = _rounded_back_spec()
    grey = ((NEUTRAL_HELD_DEG + spec.threshold) / 2 / FLEXION_GAIN + NEUTRAL_CHANGE_DEG) / 0.3
    assert all(n == [] for n in _notes(track_with_back(grey)))
    assert all(n == [] for n in _notes(track_with_back(60.0)))


def test_no_note_without_profiles_out_of_view_or_once_coached() -> None:
    """No silhouette, a view the rule does not apply in, or a rule that is no longer
    experimental: no experimental note (praise follows its fault)."""
    assert all(n == [] for n in _notes(fake_hinge_track()))
    tf = track_features(track_with_back(0.0))
    ctx = RepContext(rep=tf.reps[0], tf=tf, metrics={}, view_confidence=1.0)
    specs = get_drill("romanian_deadlift").faults
    assert experimental_notes(ctx, specs, "front") == []
    from dataclasses import replace

    coached = tuple(replace(s, params={k: v for k, v in s.params.items() if k != "experimental"}) for s in specs)
    assert experimental_notes(ctx, coached, "side") == []


def test_neutral_back_notes_reach_the_analysis() -> None:
    """The coaching stage records the notes in ``experimental_notes`` (never as a cue)."""
    from hingecoach.core.coach.coaching import coach_analysis
    from hingecoach.core.reps.engine import analyze_track

    analysis, tf = analyze_track(track_with_back(0.0))
    coach_analysis(analysis, tf, drill_override="romanian_deadlift")
    notes = analysis.to_dict()["experimental_notes"]
    assert {n["rep"] for n in notes} == {r.index for r in analysis.reps}
    assert all(n["id"] == "neutral_back" for n in notes)
    assert all(f.id != "neutral_back" for r in analysis.reps for f in r.faults)


def test_a_neutral_set_of_the_same_lifter_is_the_reference() -> None:
    """Read against the bottoms of a set the coach calls neutral, a back that rounds is found
    and a neutral one is not; the estimate is the bend's change from that set, on the scale."""
    ref = neutral_reference(track_features(track_with_back(0.0)))
    assert ref is not None
    bend, spread, reps = ref
    assert reps == 3 and spread < 2.0
    spec = _rounded_back_spec()
    # A drawn bend that reads twice the threshold against a neutral bottom (no neutral offset:
    # the reference is a neutral hinge itself).
    change = math.radians(2 * spec.threshold / NEUTRAL_SET_GAIN)
    flex = math.degrees(2.0 * math.tan(change / 2.0) / 0.8)
    rounded = _findings(track_with_back(flex), (bend, spread))
    assert rounded and all(f is not None for f in rounded)
    for f in rounded:
        assert f.value == pytest.approx(2 * spec.threshold, rel=0.2)
        assert "in the neutral set" in (f.detail or "")
    assert all(f is None for f in _findings(track_with_back(0.0), (bend, spread)))


def test_a_turned_trunk_costs_no_confidence_against_a_neutral_set_filmed_the_same_way() -> None:
    turned = track_with_back(0.0, yaw_deg=30.0)
    ref = neutral_reference(track_features(turned))
    assert ref is not None
    tf = track_features(turned)
    rep = tf.reps[0]
    frames = slice(rep.bottom - 4, rep.bottom + 5)
    against_standing = read_back(back_profile(tf), frames, "side")
    against_set = read_back(back_profile(tf, ref[:2]), frames, "side")
    assert any("turned" in r for r in against_standing.reasons)
    assert not any("turned" in r for r in against_set.reasons)
    assert against_set.confidence > against_standing.confidence
    assert abs(against_set.flexion_deg) < 5.0


def test_no_neutral_reference_without_a_silhouette() -> None:
    assert neutral_reference(track_features(fake_hinge_track())) is None


def test_a_reference_without_a_silhouette_is_a_one_line_error(tmp_path: Path) -> None:
    from hingecoach.errors import HingeError
    from hingecoach.pipeline import analyze_path

    ref = fake_hinge_track().save(tmp_path / "ref.npz")
    with pytest.raises(HingeError, match="no neutral back reference"):
        analyze_path(ref, back_reference=ref)


def test_each_rep_reports_its_bottom_bend_and_an_analysis_json_is_a_reference(tmp_path: Path) -> None:
    """With the silhouette every rep carries ``back_outline_bend_deg``; the analysis.json of a
    neutral set then serves as the reference with no second pose run, and reads as its video."""
    from hingecoach.io.analysis_json import write_analysis
    from hingecoach.pipeline import analyze_path, back_neutral

    neutral = track_with_back(0.0).save(tmp_path / "neutral.npz")
    rounded = track_with_back(60.0).save(tmp_path / "rounded.npz")
    first = analyze_path(neutral, drill="romanian_deadlift")
    bends = [r.metrics["back_outline_bend_deg"] for r in first.analysis.reps]
    assert len(bends) == 3 and all(isinstance(b, float) for b in bends)
    doc = write_analysis(first.analysis, tmp_path / "analysis.json")
    (bend, spread), prov = back_neutral(doc)
    assert (bend, spread) == pytest.approx(back_neutral(neutral)[0], abs=0.01)   # the metric keeps 2 decimals
    assert prov["reps"] == 3 and prov["path"] == str(doc)
    assert back_neutral(tmp_path)[1]["path"] == str(doc)   # the --out folder it was written to
    against = analyze_path(rounded, drill="romanian_deadlift", back_reference=doc).analysis
    assert against.provenance["back_reference"]["outline_bend_deg"] == pytest.approx(bend, abs=0.01)
    # against a neutral set of 3 reps the back is coached: a fault of each rep, not an experimental finding
    assert [[f.id for f in r.faults] for r in against.reps] == [["rounded_back"]] * 3
    assert not against.experimental
    # Keypoints without the silhouette: no bend, and the metric says it was not measured.
    plain = analyze_path(fake_hinge_track().save(tmp_path / "plain.npz"), drill="romanian_deadlift")
    assert all("back_outline_bend_deg" not in r.metrics for r in plain.analysis.reps)


def test_a_reference_looked_up_by_drill_is_used_once_the_drill_is_known(tmp_path: Path) -> None:
    """The training log keeps a neutral set per drill: the pipeline asks for the drill the set
    turns out to be, and coaches it again against what it gets (or leaves it read against standing)."""
    from hingecoach.pipeline import analyze_path, back_neutral

    ref = back_neutral(track_with_back(0.0).save(tmp_path / "neutral.npz"))
    rounded = track_with_back(60.0).save(tmp_path / "rounded.npz")
    asked: list[str] = []

    def lookup(drill_id: str):
        asked.append(drill_id)
        return ref if drill_id == "romanian_deadlift" else None

    found = analyze_path(rounded, drill="romanian_deadlift", reference_for=lookup).analysis
    assert asked == ["romanian_deadlift"]
    assert found.provenance["back_reference"] == ref[1]
    assert not found.experimental    # coached once against the reference, not added to the first pass
    assert [[f.id for f in r.faults] for r in found.reps] == [["rounded_back"]] * 3
    none = analyze_path(rounded, drill="stiff_legged_deadlift", reference_for=lookup).analysis
    assert "back_reference" not in none.provenance


def _hinge_with_log(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``hinge ARGS`` in a subprocess, as a user runs it, on a training log in ``tmp_path``."""
    return subprocess.run([sys.executable, "-m", "hingecoach", *args, "--db", str(tmp_path / "log.db")],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "250"})


def test_the_cli_logs_a_neutral_back_and_reads_the_athletes_later_sets_against_it(tmp_path: Path) -> None:
    def hinge(*args: str) -> subprocess.CompletedProcess[str]:
        return _hinge_with_log(tmp_path, *args)

    neutral = track_with_back(0.0).save(tmp_path / "neutral.npz")
    rounded = track_with_back(60.0).save(tmp_path / "rounded.npz")
    plain = fake_hinge_track().save(tmp_path / "plain.npz")
    assert hinge("athlete", "add", "ana").returncode == 0
    no_log = hinge("analyze", str(neutral), "--neutral-back")
    assert no_log.returncode != 0 and "add --log NAME" in no_log.stderr and "Traceback" not in no_log.stderr
    no_silhouette = hinge("analyze", str(plain), "--drill", "romanian_deadlift", "--log", "ana", "--neutral-back")
    assert no_silhouette.returncode != 0 and "no back silhouette" in no_silhouette.stderr
    marked = hinge("analyze", str(neutral), "--drill", "romanian_deadlift", "--log", "ana", "--neutral-back")
    assert marked.returncode == 0, marked.stderr
    assert "against standing" in marked.stdout
    later = hinge("analyze", str(rounded), "--drill", "romanian_deadlift", "--log", "ana")
    assert later.returncode == 0, later.stderr
    assert "against the neutral set logged" in later.stdout and "rounded on reps 1, 2, 3" in later.stdout
    assert "Back (coached;" in later.stdout


def test_against_a_neutral_back_of_too_few_reps_the_back_stays_experimental(tmp_path: Path) -> None:
    from hingecoach.pipeline import analyze_path, back_neutral, back_reference_from_bends

    (bend, _), _ = back_neutral(track_with_back(0.0).save(tmp_path / "neutral.npz"))
    two = back_reference_from_bends([bend, bend + 1.0], {"path": "two reps"})
    assert two[1]["reps"] == 2
    found = analyze_path(track_with_back(60.0).save(tmp_path / "rounded.npz"), drill="romanian_deadlift",
                         reference_for=lambda _: two).analysis
    assert {e["rep"] for e in found.experimental if e["id"] == "rounded_back"} == {1, 2, 3}
    assert all(not r.faults for r in found.reps)


def test_a_logged_neutral_set_is_the_backs_reference_too_and_the_back_is_then_coached(tmp_path: Path) -> None:
    import json
    def hinge(*args: str) -> subprocess.CompletedProcess[str]:
        return _hinge_with_log(tmp_path, *args)

    neutral = track_with_back(0.0).save(tmp_path / "neutral.npz")
    rounded = track_with_back(60.0).save(tmp_path / "rounded.npz")
    assert hinge("athlete", "add", "ana").returncode == 0
    marked = hinge("analyze", str(neutral), "--drill", "romanian_deadlift", "--log", "ana", "--neutral")
    assert marked.returncode == 0, marked.stderr
    later = hinge("analyze", str(rounded), "--drill", "romanian_deadlift", "--log", "ana", "--json")
    assert later.returncode == 0, later.stderr
    doc = json.loads(later.stdout)
    assert "logged_set" in doc["provenance"]["back_reference"] and "logged_set" in doc["provenance"]["reference"]
    assert all("rounded_back" in {f["id"] for f in r["faults"]} for r in doc["reps"])


def test_reference_with_back_is_the_backs_reference_too(tmp_path: Path) -> None:
    import json

    neutral = track_with_back(0.0).save(tmp_path / "neutral.npz")
    rounded = track_with_back(60.0).save(tmp_path / "rounded.npz")

    def analyze(*extra: str) -> dict:
        proc = _hinge_with_log(tmp_path, "analyze", str(rounded), "--drill", "romanian_deadlift",
                               "--reference", str(neutral), "--json", *extra)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    with_back = analyze("--back")
    assert with_back["provenance"]["back_reference"]["path"] == str(neutral)
    assert all("rounded_back" in {f["id"] for f in r["faults"]} for r in with_back["reps"])
    rules_only = analyze()
    assert "back_reference" not in rules_only["provenance"] and "reference" in rules_only["provenance"]
