"""hingecoach: learn the hip hinge — video → pose → joint angles → reps → faults → what next.

The library API (used by the CLI, and later the web app and live coaching):

- :func:`hingecoach.pipeline.analyze_path` — a video or keypoint file to an :class:`Analysis`.
- :class:`hingecoach.core.reps.engine.HingeEngine` — the frame-by-frame engine (live and offline share it).
- :class:`hingecoach.core.track.pose_track.PoseTrack` — the one pose-track type that flows through.
"""

__version__ = "0.1.0"
