"""What changed between two sets, in words: two or three sentences a lifter reads first.

Pipeline position: metric and fault changes (:mod:`hingecoach.core.compare.changes`) →
**sentences** → the terminal, ``comparison.json`` (``summary``) and the page. A is the earlier
set, B the later one, and "you" is the lifter now (in B). The words are the drills' own: the
hip flexion reached (the range of the hinge), the knees (soft and still, not a squat), the bar
close to the legs, the tempo; and the faults with their cues. Worse is said as plainly as better.
"""

from __future__ import annotations

from collections.abc import Sequence

from hingecoach.core.compare.changes import FaultChange, FaultedReps, MetricChange

#: Below this share of the drill's full range (hip flexion), the sentence names the full range:
#: the lifter has range left to win back (the ladder's "reintroduce range").
SHORT_OF_FULL_RANGE = 0.9


def fault_name(fault_id: str) -> str:
    """``knee_dominant`` → ``knee dominant``."""
    return fault_id.replace("_", " ").strip()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _deg(v: float) -> str:
    return f"{int(round(v)) + 0}°"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cue_clause(cue: str | None) -> str:
    if not cue:
        return ""
    cue = cue.strip().split(". ")[0].rstrip(".")  # its first sentence: the cue proper
    return " — " + cue[:1].lower() + cue[1:]


def _list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def range_sentence(changes: dict[str, MetricChange], faults: Sequence[FaultChange],
                   full_range_deg: float | None = None) -> str | None:
    """Hip flexion reached, the knees at the bottom, and the bar."""
    hip = changes.get("hip_flexion_peak_deg")
    knee = changes.get("knee_flexion_bottom_deg")
    bar = changes.get("wrist_leg_distance_leg")
    parts: list[str] = []
    hip_verdict = hip.verdict if hip is not None else None
    if hip is not None and hip.a is not None and hip.b is not None:
        if hip_verdict == "same":
            text = f"You reach {_deg(hip.b)} of hip flexion, as before" + (
                f" ({_deg(hip.a)})" if _deg(hip.a) != _deg(hip.b) else "")
        elif hip_verdict == "better":
            text = f"You now reach {_deg(hip.b)} of hip flexion, up from {_deg(hip.a)}"
        else:
            text = f"You now reach only {_deg(hip.b)} of hip flexion, down from {_deg(hip.a)}"
        if full_range_deg is not None and hip.b < SHORT_OF_FULL_RANGE * full_range_deg:
            text += f" (the drill's full range is {_deg(full_range_deg)})"
        parts.append(text)
    if knee is not None and knee.difference is not None:
        d = knee.difference
        if knee.verdict == "better":
            parts.append(f"with your knees {_deg(abs(d))} straighter at the bottom" if parts
                         else f"Your knees are {_deg(abs(d))} straighter at the bottom")
        elif knee.verdict == "worse":
            joint = "but your" if hip_verdict in ("better", "same") else "and your"
            parts.append(f"{joint if parts else 'Your'} knees bend {_deg(d)} more at the bottom")
        elif parts:
            parts.append("with your knees as before")
    if not parts:
        return None
    sentence = ", ".join(parts)
    drift = next((f for f in faults if f.id == "bar_drift"), None)
    if drift is not None and drift.b_reps:
        sentence += f"; the bar drifts away from your legs on {_plural(drift.b_reps, 'rep')}"
    elif bar is not None and bar.verdict == "worse":
        sentence += "; the bar comes further away from your legs"
    elif bar is not None and bar.b is not None:
        sentence += "; the bar stays close" + (" now" if drift is not None and drift.a_reps else "")
    return sentence + "."


def faults_sentence(faulted: FaultedReps, faults: Sequence[FaultChange]) -> str:
    """Clean reps now against before; the faults that went, and the ones that came (with the cue)."""
    clean_a, clean_b = faulted.a_of - faulted.a, faulted.b_of - faulted.b
    gone = [fault_name(f.id) for f in faults if f.status == "gone"]
    new = [f for f in faults if f.status == "new"]
    more = [f for f in faults if f.status == "more"]
    if not faulted.a and not faulted.b:
        return "Every rep is clean, in both sets."
    if not faulted.b:
        head = f"All {_plural(faulted.b_of, 'rep')} are clean now, up from {clean_a} of {faulted.a_of}" \
            if faulted.b_of > 1 else f"Your rep is clean now, up from {clean_a} of {faulted.a_of}"
        return head + (f": {_list(gone)} {'is' if len(gone) == 1 else 'are'} gone." if gone else ".")
    before = f"all {faulted.a_of}" if not faulted.a else f"{clean_a} of {faulted.a_of}"
    now = (f"None of the {faulted.b_of} reps is" if not clean_b and faulted.b_of > 1 else
           "Your rep is not" if faulted.b_of == 1 else f"{clean_b} of {faulted.b_of} reps {'is' if clean_b == 1 else 'are'}")
    head = f"{now} clean now, against {before} before"
    tail: list[str] = []
    if gone:
        tail.append(f"{_list(gone)} {'is' if len(gone) == 1 else 'are'} gone")
    worst = (new or more or [f for f in faults if f.b_reps])[:1]
    for f in worst:
        if f.status == "new":
            tail.append(f"new is {fault_name(f.id)} on {f.b_reps} of {faulted.b_of}{_cue_clause(f.cue)}")
        elif f.status == "more":
            tail.append(f"{fault_name(f.id)} is on {f.b_reps} of {faulted.b_of} (was {f.a_reps} of {faulted.a_of})"
                        f"{_cue_clause(f.cue)}")
        else:
            tail.append(f"{fault_name(f.id)} is still there on {f.b_reps} of {faulted.b_of}{_cue_clause(f.cue)}")
    return head + (": " + "; ".join(tail) if tail else "") + "."


def movement_sentence(changes: dict[str, MetricChange]) -> str | None:
    """Tempo, knee travel and the trunk: what changed among them (or that the tempo did not)."""
    parts: list[str] = []
    down, up = changes.get("down_s"), changes.get("up_s")
    if down is not None and up is not None and None not in (down.a, down.b, up.a, up.b):
        assert down.a is not None and down.b is not None and up.a is not None and up.b is not None
        if down.changed or up.changed:
            parts.append(f"you lower in {down.b:.1f} s (was {down.a:.1f} s) and stand up in {up.b:.1f} s "
                         f"(was {up.a:.1f} s)")
        else:
            parts.append(f"the tempo is as before ({down.b:.1f} s down, {up.b:.1f} s up)")
    travel = changes.get("knee_travel_leg")
    if travel is not None and travel.changed and travel.difference is not None:
        pct = abs(travel.difference) * 100.0
        parts.append(f"your knees travel {pct:.0f}% of a leg length {'further' if travel.difference > 0 else 'less'}"
                     f" forward" + ("" if travel.difference > 0 else ", shins more vertical"))
    trunk = changes.get("trunk_inclination_bottom_deg")
    if trunk is not None and trunk.changed and trunk.a is not None and trunk.b is not None:
        parts.append(f"your trunk leans {_deg(trunk.b)} from vertical at the bottom (was {_deg(trunk.a)})")
    if not parts:
        return None
    return _cap("; ".join(parts)) + "."


def describe_changes(changes: Sequence[MetricChange], faulted: FaultedReps, faults: Sequence[FaultChange],
                     full_range_deg: float | None = None) -> list[str]:
    """Two or three sentences: range, knees and bar; clean reps and faults; tempo and the rest."""
    by_key = {c.key: c for c in changes}
    out = [range_sentence(by_key, faults, full_range_deg), faults_sentence(faulted, faults), movement_sentence(by_key)]
    return [s for s in out if s]
