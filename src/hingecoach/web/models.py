"""SQLAlchemy models of the web app: accounts, login sessions, coach links, invites, analysis jobs
and coaches' notes on sets. They live in the training log's database, on its declarative base;
the schema is created by the Alembic migrations ``0003_web_accounts`` and ``0004_job_claims``
(store/migrations).

An athlete account is linked to one training-log athlete (``users.athlete_id``); a coach account
has none and sees the athletes linked to it (``coach_links``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from hingecoach.store.models import Base, utcnow

ROLES = ("athlete", "coach")
JOB_STATES = ("queued", "running", "done", "failed")


class User(Base):
    """An account: an athlete (linked to a training-log athlete) or a coach."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), unique=True, nullable=True)
    #: Keep the original video after its analysis (False: deleted once analysed).
    keep_video: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its cookie's random token (the token itself is never stored)."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """One failed login, by account and client address (``key``): the rate limit counts them."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CoachLink(Base):
    """A coach may see this athlete's sets, reports and plan."""

    __tablename__ = "coach_links"
    __table_args__ = (UniqueConstraint("coach_id", "athlete_user_id", name="uq_coach_links_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    athlete_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Invite(Base):
    """A code a coach gives an athlete; entering it links the two (once)."""

    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The athlete who entered it (None: not used yet); a code links once.
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """An uploaded video and its analysis: queued → running → done | failed.

    ``id`` is a random hex id, also the name of its folder (the upload's own file name is shown,
    never used as a path). A done job's set is ``set_id`` in the training log (None when it
    could not be logged: ``note`` says why).
    """

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    drill: Mapped[str | None] = mapped_column(String(60), nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    frames_done: Mapped[int] = mapped_column(Integer, default=0)
    frames_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The worker that claimed it last (``host:pid:random``; migration 0004): only that worker may
    #: record its progress and outcome, and it keeps ``updated_at`` fresh while it runs (a heartbeat).
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True)
    set_id: Mapped[int | None] = mapped_column(ForeignKey("sets.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SetNote(Base):
    """A coach's note on an analysed set (a job), shown to the athlete."""

    __tablename__ = "set_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
