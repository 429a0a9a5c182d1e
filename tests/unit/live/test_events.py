"""What hinge live prints and says for each event."""

from __future__ import annotations

from rich.console import Console

from hingecoach.live.events import event_line, spoken, summary_line


def _plain(markup: str) -> str:
    console = Console(width=400, record=True, color_system=None)
    console.print(markup, highlight=False)
    return console.export_text().strip()


def test_rep_and_fault_lines() -> None:
    rep = {"type": "rep", "t": 2.1, "rep": 1, "count": 1, "depth_deg": 88.6}
    assert _plain(event_line(rep) or "") == "2.1 s  rep 1 counted · depth 89°"
    fault = {"type": "fault", "t": 2.9, "rep": 1, "fault": "knees_forward", "severity": "form", "primary": True,
             "cue": "Keep your shins vertical [really]."}
    line = _plain(event_line(fault) or "")
    assert line == "2.9 s  → rep 1: knees_forward (form) — Keep your shins vertical [really]."   # markup escaped
    assert spoken(fault) == ("Keep your shins vertical [really].", "cue")
    assert spoken({**fault, "primary": False}) is None      # only the primary cue is said
    assert spoken(rep) == ("1", "count")


def test_view_state_and_summary() -> None:
    assert "step back" in _plain(event_line({"type": "not_in_view", "t": 1.0, "message": "step back"}) or "")
    assert spoken({"type": "not_in_view", "t": 1.0, "message": "step back"}) == ("step back", "alert")
    assert "back in view" in _plain(event_line({"type": "in_view", "t": 2.0}) or "")
    state = {"type": "state", "t": 0.1, "depth_deg": None, "count": 0, "in_view": True}
    assert event_line(state) is None and spoken(state) is None
    summary = {"type": "summary", "t": 7.3, "reps": 3, "drill": "romanian_deadlift", "drill_name": "Romanian deadlift",
               "faults": {"knees_forward": 3}, "decision": "shorten", "primary_cue": "Shins vertical.",
               "message": "0 of 3 reps clean."}
    text = _plain(summary_line(summary))
    assert text.splitlines()[0] == "Set: 3 reps · Romanian deadlift · knees_forward ×3"
    assert "Next: shorten" in text and "Cue: Shins vertical." in text and "0 of 3 reps clean." in text
    assert spoken(summary) == ("3 reps. Next set: Shins vertical.", "info")
    empty = {"type": "summary", "t": 0.0, "reps": 0, "drill": None, "faults": {}, "decision": None}
    assert _plain(summary_line(empty)) == "Set: 0 reps · drill not recognised · clean"
