"""Accounts: sign-up, passwords (Argon2), login sessions, the login rate limit, coach invites.

Pipeline position: web routes → **accounts** → the training log's database (store.db). An athlete
account creates (or takes, when it has no account yet) the training-log athlete of the same name.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hingecoach.errors import HingeError
from hingecoach.store.db import read_session, run_in_transaction
from hingecoach.store.models import Athlete, utcnow
from hingecoach.web.models import ROLES, CoachLink, Invite, LoginFailure, User, WebSession

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")
MIN_PASSWORD = 8
INVITE_DAYS = 14


@dataclass(frozen=True)
class Account:
    """A signed-in user as the pages see it."""

    id: int
    username: str
    role: str
    athlete_id: int | None
    athlete_name: str | None
    keep_video: bool


def _as_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _account(session: Session, user: User) -> Account:
    name = session.get(Athlete, user.athlete_id).name if user.athlete_id else None  # type: ignore[union-attr]
    return Account(user.id, user.username, user.role, user.athlete_id, name, bool(user.keep_video))


def sign_up(db: str | None, username: str, password: str, role: str) -> Account:
    """A new account; an athlete's is linked to the training-log athlete of that name."""
    username = username.strip()
    if not USERNAME.match(username):
        raise HingeError("a username is 2–40 letters, digits, dots, dashes or underscores")
    if len(password) < MIN_PASSWORD:
        raise HingeError(f"the password needs at least {MIN_PASSWORD} characters")
    if role not in ROLES:
        raise HingeError("choose athlete or coach")
    hashed = _hasher.hash(password)

    def work(session: Session) -> Account:
        if session.scalars(select(User).where(func.lower(User.username) == username.lower())).first():
            raise HingeError("that username is taken")
        athlete_id = None
        if role == "athlete":
            athlete = session.scalars(select(Athlete).where(Athlete.name == username)).one_or_none()
            if athlete is None:
                athlete = Athlete(name=username, created_at=utcnow())
                session.add(athlete)
                session.flush()
            elif session.scalars(select(User).where(User.athlete_id == athlete.id)).first():
                raise HingeError("that username is taken")
            athlete_id = athlete.id
        user = User(username=username, password_hash=hashed, role=role, athlete_id=athlete_id,
                    keep_video=True, created_at=utcnow())
        session.add(user)
        session.flush()
        return _account(session, user)

    return run_in_transaction(db, work)


class TooManyAttempts(HingeError):
    """The login rate limit: too many failures for this account from this address."""


def log_in(db: str | None, username: str, password: str, client: str, *, max_failures: int = 5,
           window_s: float = 300.0) -> Account:
    """Check a password; refuse (even a right one) after ``max_failures`` failures in ``window_s``
    for this account from this address. A wrong name or password is one and the same message."""
    key = f"{username.strip().lower()}|{client}"[:200]
    since = utcnow() - timedelta(seconds=window_s)

    def failures(session: Session) -> int:
        return int(session.scalar(select(func.count(LoginFailure.id)).where(
            LoginFailure.key == key, LoginFailure.at >= since)) or 0)

    with read_session(db) as session:
        if failures(session) >= max_failures:
            raise TooManyAttempts(f"too many failed logins; try again in {int(window_s // 60)} minutes")
        user = session.scalars(select(User).where(func.lower(User.username) == username.strip().lower())).first()
        ok = False
        if user is not None:
            try:
                ok = _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        account = _account(session, user) if user is not None and ok else None

    def record(session: Session) -> None:
        if account is None:
            session.add(LoginFailure(key=key, at=utcnow()))
            session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        else:
            session.execute(delete(LoginFailure).where(LoginFailure.key == key))

    run_in_transaction(db, record)
    if account is None:
        raise HingeError("wrong username or password")
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(db: str | None, user_id: int, days: int = 30) -> str:
    """A new login session; returns the cookie's token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)

    def work(session: Session) -> None:
        session.add(WebSession(token_sha256=_digest(token), user_id=user_id, created_at=utcnow(),
                               expires_at=utcnow() + timedelta(days=days)))

    run_in_transaction(db, work)
    return token


def session_account(db: str | None, token: str | None) -> Account | None:
    """The account signed in with this cookie token; None when absent, unknown or expired."""
    if not token:
        return None
    with read_session(db) as session:
        row = session.get(WebSession, _digest(token))
        if row is None or _as_utc(row.expires_at) < utcnow():
            return None
        user = session.get(User, row.user_id)
        return _account(session, user) if user is not None else None


def end_session(db: str | None, token: str | None) -> None:
    """Log out: forget the session."""
    if token:
        run_in_transaction(db, lambda s: s.execute(delete(WebSession).where(WebSession.token_sha256 == _digest(token))))


def set_keep_video(db: str | None, user_id: int, keep: bool) -> None:
    """The athlete's privacy setting: keep the original video after analysis, or delete it."""
    def work(session: Session) -> None:
        user = session.get(User, user_id)
        if user is not None:
            user.keep_video = keep

    run_in_transaction(db, work)


def create_invite(db: str | None, coach_id: int) -> str:
    """A one-time code for an athlete to link to this coach."""
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))

    def work(session: Session) -> None:
        session.add(Invite(code=code, coach_id=coach_id, created_at=utcnow(),
                           expires_at=utcnow() + timedelta(days=INVITE_DAYS)))

    run_in_transaction(db, work)
    return code


def accept_invite(db: str | None, athlete_user_id: int, code: str) -> str:
    """Link the athlete to the coach who made ``code``; returns the coach's username."""
    code = code.strip().upper()

    def work(session: Session) -> str:
        invite = session.get(Invite, code)
        if invite is None or invite.used_by is not None or _as_utc(invite.expires_at) < utcnow():
            raise HingeError("that invite code is unknown, used or expired")
        coach = session.get(User, invite.coach_id)
        if coach is None:
            raise HingeError("that invite code is unknown, used or expired")
        invite.used_by = athlete_user_id
        exists = session.scalars(select(CoachLink).where(
            CoachLink.coach_id == coach.id, CoachLink.athlete_user_id == athlete_user_id)).first()
        if exists is None:
            session.add(CoachLink(coach_id=coach.id, athlete_user_id=athlete_user_id, created_at=utcnow()))
        return coach.username

    return run_in_transaction(db, work)


def coaches_of(db: str | None, athlete_user_id: int) -> list[str]:
    """The usernames of the athlete's coaches."""
    with read_session(db) as session:
        return list(session.scalars(select(User.username).join(CoachLink, CoachLink.coach_id == User.id)
                                    .where(CoachLink.athlete_user_id == athlete_user_id).order_by(User.username)))


def athletes_of(db: str | None, coach_id: int) -> list[Account]:
    """The athlete accounts linked to this coach."""
    with read_session(db) as session:
        users = session.scalars(select(User).join(CoachLink, CoachLink.athlete_user_id == User.id)
                                .where(CoachLink.coach_id == coach_id).order_by(User.username)).all()
        return [_account(session, u) for u in users]


#: Ids are SQL INTEGERs (32-bit on PostgreSQL): a larger number, e.g. typed into a URL, names no
#: account (the database would refuse it as a parameter: SQLite past 64 bits, PostgreSQL past 32).
MAX_ID = 2**31 - 1


def athlete_account(db: str | None, user_id: int) -> Account | None:
    """An athlete account by id (None when there is none)."""
    if not 0 < user_id <= MAX_ID:
        return None
    with read_session(db) as session:
        user = session.get(User, user_id)
        return _account(session, user) if user is not None and user.role == "athlete" else None


def may_see(db: str | None, viewer: Account, athlete_user_id: int) -> bool:
    """An athlete sees only their own data; a coach only their linked athletes'."""
    if viewer.role == "athlete":
        return viewer.id == athlete_user_id
    with read_session(db) as session:
        return session.scalars(select(CoachLink.id).where(
            CoachLink.coach_id == viewer.id, CoachLink.athlete_user_id == athlete_user_id)).first() is not None
