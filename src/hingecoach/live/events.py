"""What the desktop loop prints and says for each :class:`~hingecoach.core.live.LiveEvent`.

Pure functions of the event's message, so the terminal, the speaker and the window show the same
thing the web page does. ``state`` events (several a second) are drawn, never printed or spoken.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

SEVERITY_STYLE = {"safety": "bold red", "form": "yellow", "minor": "cyan"}


def _deg(v: Any) -> str:
    return f"{float(v):.0f}°" if isinstance(v, int | float) else "–"


def event_line(msg: dict[str, Any]) -> str | None:
    """One line of rich markup for an event message (``LiveEvent.message()``), or None for an
    event that is not printed (``state``)."""
    kind = msg.get("type")
    t = f"[dim]{float(msg.get('t', 0.0)):6.1f} s[/]"
    if kind == "rep":
        return f"{t}  [bold green]rep {msg.get('count')}[/] counted · depth {_deg(msg.get('depth_deg'))}"
    if kind == "fault":
        style = SEVERITY_STYLE.get(str(msg.get("severity")), "yellow")
        lead = "→" if msg.get("primary") else " "
        cue = escape(str(msg.get("cue") or ""))
        return (f"{t}  {lead} rep {msg.get('rep')}: [{style}]{escape(str(msg.get('fault')))}[/] "
                f"({escape(str(msg.get('severity')))}) — {cue}")
    if kind == "not_in_view":
        return f"{t}  [bold yellow]{escape(str(msg.get('message') or 'not in view'))}[/]"
    if kind == "in_view":
        return f"{t}  [green]back in view[/]"
    if kind == "summary":
        return summary_line(msg)
    return None


def summary_line(msg: dict[str, Any]) -> str:
    """The end-of-set summary: reps, drill, faults by count, the decision and the cue."""
    reps = msg.get("reps", 0)
    drill = msg.get("drill_name") or msg.get("drill") or "drill not recognised"
    faults = msg.get("faults") or {}
    fault_text = ", ".join(f"{escape(str(k))} ×{v}" for k, v in faults.items()) or "[green]clean[/]"
    lines = [f"[bold]Set:[/] {reps} rep{'s' if reps != 1 else ''} · {escape(str(drill))} · {fault_text}"]
    if msg.get("decision"):
        lines.append(f"[bold]Next:[/] {escape(str(msg['decision']))}")
    if msg.get("primary_cue"):
        lines.append(f"[bold]Cue:[/] {escape(str(msg['primary_cue']))}")
    if msg.get("message"):
        lines.append(escape(str(msg["message"])))
    return "\n".join(lines)


def spoken(msg: dict[str, Any]) -> tuple[str, str] | None:
    """What to say for an event, and its utterance kind (:data:`hingecoach.live.speaker.KINDS`):
    the rep count, the primary fault's cue (the others are printed only), the out-of-view
    warning, and at the end the set's one-line message. None: nothing to say."""
    kind = msg.get("type")
    if kind == "rep":
        return str(msg.get("count")), "count"
    if kind == "fault" and msg.get("primary") and msg.get("cue"):
        return str(msg["cue"]), "cue"
    if kind == "not_in_view":
        return str(msg.get("message") or "I can't see you"), "alert"
    if kind == "summary":
        reps = int(msg.get("reps") or 0)
        text = f"{reps} rep{'s' if reps != 1 else ''}."
        if msg.get("primary_cue"):
            text += f" Next set: {msg['primary_cue']}"
        return text, "info"
    return None
