"""Live coaching: landmarks arrive a frame at a time (a browser's pose over a WebSocket, or a
camera loop), the frame-by-frame :class:`~hingecoach.core.reps.engine.HingeEngine` counts reps
and the offline rules rate each rep as it ends. See :mod:`.session`."""

from hingecoach.core.live.session import LiveError, LiveEvent, LiveSession

__all__ = ["LiveError", "LiveEvent", "LiveSession"]
