"""Builders of analysis.json documents with known content, for the storage and CLI tests."""

from __future__ import annotations

from typing import Any


def make_analysis(
    drill: str | None = "romanian_deadlift",
    depths_deg: list[float] | None = None,
    faults: dict[int, list[tuple[str, str]]] | None = None,
    primary_cue: str | None = "Push your hips back.",
) -> dict[str, Any]:
    """An analysis of len(depths_deg) reps; ``faults`` maps a 0-based rep index to (id, severity)."""
    depths_deg = depths_deg if depths_deg is not None else [85.0] * 8
    faults = faults or {}
    reps = []
    for i, depth in enumerate(depths_deg):
        rep_faults = [
            {
                "id": fid,
                "severity": sev,
                "value": 0.2,
                "threshold": 0.1,
                "unit": "leg",
                "frames": [10 * i, 10 * i + 5],
                "confidence": 0.9,
                "cue": "Keep the shins still.",
            }
            for fid, sev in faults.get(i, [])
        ]
        reps.append(
            {
                "index": i + 1,
                "start_s": 3.0 * i,
                "bottom_s": 3.0 * i + 1.2,
                "end_s": 3.0 * i + 2.6,
                "metrics": {"hip_flexion_peak_deg": depth, "knee_flexion_range_deg": 6.0, "down_s": 1.2},
                "faults": rep_faults,
                "clean": not rep_faults,
            }
        )
    return {
        "schema_version": "1.0",
        "source": {"path": "clip.mp4", "kind": "video", "sha256": "ab" * 32},
        "fps": 30.0,
        "frames": 300,
        "duration_s": 10.0,
        "view": {"label": "side", "confidence": 0.9},
        "drill": {"id": drill, "confidence": 0.8, "source": "recognised" if drill else "none"},
        "reps": reps,
        "warnings": [],
        "recommendation": None
        if primary_cue is None
        else {"primary_cue": primary_cue, "secondary_cues": [], "range": None, "summary": "ok"},
        "provenance": {"hingecoach": "0.1.0", "model": "blazepose-full"},
    }
