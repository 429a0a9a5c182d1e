"""Spoken cues, offline: pyttsx3 over espeak-ng, in a background thread.

One utterance at a time, never over the previous one: the thread speaks an utterance to its end
(``runAndWait``) before it takes the next. While it speaks, what comes in waits in a short queue
where a newer utterance replaces a queued older one of the same kind (a newer cue replaces the
cue that had no time to be said, a newer rep count the older count), so the lifter hears what is
true now, never a backlog. The ``not_in_view`` warning comes once per episode from the core
(:class:`~hingecoach.core.live.LiveSession`), so it is said once.

pyttsx3 is imported in the thread, when the speaker starts: ``hinge --help`` never loads it. When
it or espeak-ng (or, on Linux, the ``aplay`` player it plays through) is missing,
:meth:`Speaker.start` returns one warning line and the speaker stays silent.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

#: Kinds of utterance; one of each may wait while another is spoken.
KINDS = ("count", "cue", "alert", "info")
#: How long :meth:`Speaker.start` waits for the speech engine to load (seconds).
START_TIMEOUT_S = 10.0


class SpeechEngine(Protocol):
    """What the speaker needs of a text-to-speech engine (pyttsx3's ``Engine`` has it)."""

    def say(self, text: str) -> None:
        """Queue ``text`` to be spoken."""
        ...

    def runAndWait(self) -> None:  # noqa: N802 - pyttsx3's name
        """Speak what is queued; return when it has been said."""
        ...


def pyttsx3_engine() -> SpeechEngine:
    """pyttsx3's default engine (espeak-ng on Linux); raises, saying what to install, when it
    cannot be had."""
    try:
        import pyttsx3
    except ImportError:
        raise RuntimeError("pyttsx3 is not installed (make venv)") from None

    if platform.system() == "Linux":
        # pyttsx3's espeak driver synthesises a WAV and plays it with aplay (Debian alsa-utils).
        if shutil.which("aplay") is None:
            raise RuntimeError("no `aplay` to play speech (apt-get install alsa-utils)")
        cards = subprocess.run(["aplay", "-l"], capture_output=True, text=True, timeout=5)
        if "no soundcards" in cards.stderr + cards.stdout:
            raise RuntimeError("no sound card (`aplay -l` finds none)")
    try:
        engine = pyttsx3.init()
    except Exception as exc:  # noqa: BLE001 - pyttsx3 raises what its driver raised
        hint = " (apt-get install espeak-ng)" if platform.system() == "Linux" else ""
        raise RuntimeError(f"no speech engine: {exc.__class__.__name__}: {exc}{hint}") from None
    engine.setProperty("rate", 175)
    return engine


@dataclass(frozen=True)
class Utterance:
    kind: str
    text: str


class Speaker:
    """Speaks utterances one at a time in a background thread (see the module's docstring).

    ``engine_factory`` makes the engine inside that thread (pyttsx3 wants the thread that made
    the engine to drive it); tests pass a fake."""

    def __init__(self, engine_factory: Callable[[], SpeechEngine] = pyttsx3_engine) -> None:
        self._factory = engine_factory
        self._cv = threading.Condition()
        self._pending: list[Utterance] = []
        self._busy = False
        self._closing = False
        self._ready = threading.Event()
        self._error: str | None = None
        self._thread: threading.Thread | None = None
        self.spoken: list[str] = []   # what was said, in order (for tests and the log)
        self.dropped: list[str] = []  # what a newer utterance replaced before it was said

    @property
    def available(self) -> bool:
        """The engine loaded and the speaker is running."""
        return self._thread is not None and self._error is None and self._ready.is_set()

    def start(self, timeout_s: float = START_TIMEOUT_S) -> str | None:
        """Start the thread and load the engine. Returns None, or one line saying why cues will
        not be spoken (the speaker then stays silent)."""
        self._thread = threading.Thread(target=self._run, name="hinge-speaker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):
            self._error = f"the speech engine did not start within {timeout_s:.0f} s"
            with self._cv:
                self._closing = True
                self._cv.notify_all()
        if self._error is not None:
            return f"cues will not be spoken: {self._error}; --mute says nothing and skips this check"
        return None

    def say(self, text: str, kind: str = "cue") -> None:
        """Speak ``text`` after what is being said now; a queued utterance of the same kind is
        replaced. Ignored when the speaker is not running."""
        if kind not in KINDS:
            raise ValueError(f"unknown utterance kind {kind!r}")
        text = text.strip()
        if not text or not self.available:
            return
        with self._cv:
            if self._closing:
                return
            for u in [u for u in self._pending if u.kind == kind]:
                self._pending.remove(u)
                self.dropped.append(u.text)
            self._pending.append(Utterance(kind, text))
            self._cv.notify_all()

    def idle(self) -> bool:
        """Nothing being said and nothing waiting."""
        with self._cv:
            return not self._busy and not self._pending

    def close(self, drain_s: float = 0.0) -> None:
        """Stop the thread: first let what waits be said, for up to ``drain_s`` seconds; what is
        still waiting then is dropped (an utterance being said is finished)."""
        if self._thread is None:
            return
        with self._cv:
            if drain_s > 0:
                self._cv.wait_for(lambda: not self._busy and not self._pending, timeout=drain_s)
            self._closing = True
            self.dropped += [u.text for u in self._pending]
            self._pending.clear()
            self._cv.notify_all()
        self._thread.join(timeout=max(1.0, drain_s))

    def _run(self) -> None:
        try:
            engine = self._factory()
        except Exception as exc:  # noqa: BLE001 - any failure to load means: no speech, say why once
            self._error = str(exc) if isinstance(exc, RuntimeError) and str(exc) else f"{exc.__class__.__name__}: {exc}"
            self._ready.set()
            return
        self._ready.set()
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._closing or bool(self._pending))
                if self._closing:
                    return
                utterance = self._pending.pop(0)
                self._busy = True
            try:
                engine.say(utterance.text)
                engine.runAndWait()
                self.spoken.append(utterance.text)
            except Exception:  # noqa: BLE001 - a failed utterance is skipped; the set goes on
                pass
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()


class SilentSpeaker(Speaker):
    """``--mute``: says nothing, loads nothing."""

    def __init__(self) -> None:
        super().__init__(engine_factory=lambda: _NoEngine())

    def start(self, timeout_s: float = START_TIMEOUT_S) -> str | None:
        return None

    def say(self, text: str, kind: str = "cue") -> None:
        return None


class _NoEngine:
    def say(self, text: str) -> None:
        return None

    def runAndWait(self) -> None:  # noqa: N802
        return None
