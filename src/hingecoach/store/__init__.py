"""Storage: the training log in SQLite (default) or PostgreSQL, behind repository functions.

Pipeline position: analysis / CLI → **store** → progression (``hinge today``). Open nothing
yourself: every function takes ``db`` (a URL, a SQLite path, or None for ``$HINGE_DB`` or the
default file) and runs in its own transaction.
"""

from hingecoach.core.numeric import json_safe
from hingecoach.io.analysis_json import ParsedAnalysis, parse_analysis, read_analysis_file
from hingecoach.store.db import default_db_path, dispose_engines, get_engine, resolve_db_url
from hingecoach.store.imports import ImportedWorkout, read_workout_csv
from hingecoach.store.logbook import LoggedWorkout, LogRequest, log_workout
from hingecoach.store.repository import (
    EXPORT_COLUMNS,
    AthleteInfo,
    BackReferenceSet,
    ImportResult,
    LogResult,
    NeutralSetRecord,
    NewSet,
    add_athlete,
    back_reference,
    back_reference_drills,
    export_data,
    export_rows,
    history,
    import_workouts,
    list_athletes,
    log_analysis,
    log_session,
    mark_neutral,
    neutral_set,
    neutral_set_drills,
    today,
)

__all__ = [
    "EXPORT_COLUMNS",
    "AthleteInfo",
    "BackReferenceSet",
    "ImportResult",
    "ImportedWorkout",
    "LogRequest",
    "LogResult",
    "LoggedWorkout",
    "NeutralSetRecord",
    "NewSet",
    "ParsedAnalysis",
    "add_athlete",
    "back_reference",
    "back_reference_drills",
    "default_db_path",
    "dispose_engines",
    "export_data",
    "export_rows",
    "get_engine",
    "history",
    "import_workouts",
    "json_safe",
    "list_athletes",
    "log_analysis",
    "log_session",
    "log_workout",
    "mark_neutral",
    "neutral_set",
    "neutral_set_drills",
    "parse_analysis",
    "read_analysis_file",
    "read_workout_csv",
    "resolve_db_url",
    "today",
]
