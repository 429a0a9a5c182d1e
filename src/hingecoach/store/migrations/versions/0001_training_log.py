"""The training log: athletes, sessions, sets, analyses, reps, faults, progression states.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("performed_at", TZ, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("external_ref", sa.String(300), nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("decision_action", sa.String(20), nullable=True),
        sa.Column("decision_explanation", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("athlete_id", "external_ref", name="uq_sessions_external_ref"),
    )
    op.create_index("ix_sessions_athlete_id", "sessions", ["athlete_id"])
    op.create_table(
        "sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("drill", sa.String(60), nullable=True),
        sa.Column("exercise", sa.String(200), nullable=False),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("clean_reps", sa.Integer, nullable=True),
        sa.Column("load_kg", sa.Float, nullable=True),
        sa.Column("range_limit_deg", sa.Float, nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("rpe", sa.Float, nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
    )
    op.create_index("ix_sets_session_id", "sets", ["session_id"])
    op.create_index("ix_sets_drill", "sets", ["drill"])
    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "set_id", sa.Integer, sa.ForeignKey("sets.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("schema_version", sa.String(20), nullable=False),
        sa.Column("source_path", sa.Text, nullable=True),
        sa.Column("source_sha256", sa.String(64), nullable=True),
        sa.Column("view_label", sa.String(20), nullable=True),
        sa.Column("primary_cue", sa.Text, nullable=True),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_index("ix_analyses_source_sha256", "analyses", ["source_sha256"])
    op.create_table(
        "reps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "analysis_id", sa.Integer, sa.ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("start_s", sa.Float, nullable=True),
        sa.Column("bottom_s", sa.Float, nullable=True),
        sa.Column("end_s", sa.Float, nullable=True),
        sa.Column("hip_flexion_peak_deg", sa.Float, nullable=True),
        sa.Column("clean", sa.Boolean, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
    )
    op.create_index("ix_reps_analysis_id", "reps", ["analysis_id"])
    op.create_table(
        "faults",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("set_id", sa.Integer, sa.ForeignKey("sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rep_id", sa.Integer, sa.ForeignKey("reps.id", ondelete="CASCADE"), nullable=True),
        sa.Column("fault_id", sa.String(80), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("depth_deg", sa.Float, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("unit", sa.String(20), nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("cue", sa.Text, nullable=True),
    )
    op.create_index("ix_faults_set_id", "faults", ["set_id"])
    op.create_table(
        "progression_states",
        sa.Column(
            "athlete_id", sa.Integer, sa.ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("drill", sa.String(60), nullable=False),
        sa.Column("range_limit_deg", sa.Float, nullable=True),
        sa.Column("load_kg", sa.Float, nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("session_count", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("progression_states", "faults", "reps", "analyses", "sets", "sessions", "athletes"):
        op.drop_table(table)
