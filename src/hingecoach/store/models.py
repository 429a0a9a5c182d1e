"""SQLAlchemy 2 models of the training log: athletes, sessions, sets, analyses, reps, faults.

Pipeline position: analysis (``analysis.json``) and the CLI → **store models** → progression.
The schema itself is created and changed only by the Alembic migrations in
``hingecoach/store/migrations``; these classes must match the latest migration.

Units: loads in kg, range limits and depths in degrees of peak hip flexion (0 = standing tall),
times in seconds, ``performed_at`` in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Now, in UTC (the one clock the store uses)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the hingecoach schema."""


class Athlete(Base):
    """A person learning the hinge."""

    __tablename__ = "athletes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="athlete", cascade="all, delete-orphan"
    )


class TrainingSession(Base):
    """One training session; ``source`` says how it came in (manual, analysis, strong, hevy).

    ``external_ref`` identifies an imported workout so importing the same file twice adds
    nothing. ``decision_*`` keep the progression decision made right after this session.
    """

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("athlete_id", "external_ref", name="uq_sessions_external_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    performed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    external_ref: Mapped[str | None] = mapped_column(String(300), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    decision_action: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision_explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    athlete: Mapped[Athlete] = relationship(back_populates="sessions")
    sets: Mapped[list[SetRecord]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SetRecord.position"
    )


class SetRecord(Base):
    """One set: a ladder drill (``drill``) or another exercise (``exercise`` only).

    ``clean_reps`` is None when unknown (imported sets); ``range_limit_deg`` None = full range.
    """

    __tablename__ = "sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    drill: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    exercise: Mapped[str] = mapped_column(String(200))
    reps: Mapped[int] = mapped_column(Integer)
    clean_reps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    load_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    range_limit_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    rpe: Mapped[float | None] = mapped_column(Float, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    session: Mapped[TrainingSession] = relationship(back_populates="sets")
    analysis: Mapped[AnalysisRecord | None] = relationship(back_populates="set", cascade="all, delete-orphan")
    faults: Mapped[list[FaultRecord]] = relationship(back_populates="set", cascade="all, delete-orphan")


class AnalysisRecord(Base):
    """The ``analysis.json`` behind a set, kept whole (``document``) plus searchable fields."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), unique=True)
    schema_version: Mapped[str] = mapped_column(String(20))
    source_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    view_label: Mapped[str | None] = mapped_column(String(20), nullable=True)
    primary_cue: Mapped[str | None] = mapped_column(Text, nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The coach calls this set's back neutral: later sets of its drill are read against its bottoms.
    back_neutral: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The coach calls this set neutral: the knee, lockout and bar rules read later sets of its
    #: drill against its reps' measures (``measure_*`` metrics; core/faults/reference.py).
    neutral: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    set: Mapped[SetRecord] = relationship(back_populates="analysis")
    reps: Mapped[list[RepRecord]] = relationship(
        back_populates="analysis", cascade="all, delete-orphan", order_by="RepRecord.index"
    )


class RepRecord(Base):
    """One analysed rep: timing, peak hip flexion, clean or not, and all its metrics."""

    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    start_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    bottom_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    hip_flexion_peak_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    clean: Mapped[bool] = mapped_column(Boolean)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)

    analysis: Mapped[AnalysisRecord] = relationship(back_populates="reps")


class FaultRecord(Base):
    """A fault in a set: from an analysed rep (``rep_id``) or noted by hand (``rep_id`` None)."""

    __tablename__ = "faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="CASCADE"), nullable=True)
    fault_id: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(10))
    depth_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    cue: Mapped[str | None] = mapped_column(Text, nullable=True)

    set: Mapped[SetRecord] = relationship(back_populates="faults")


class ProgressionStateRecord(Base):
    """The athlete's current plan, rewritten in the same transaction as every logged session."""

    __tablename__ = "progression_states"

    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    drill: Mapped[str] = mapped_column(String(60))
    range_limit_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    load_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    session_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
