"""The analysis core: pure, typed stages over one data type (the pose track). It imports only
the standard library, numpy, scipy and itself (``make lint`` checks it with import-linter), so it
runs the same offline, live and in tests, without a video, a model or a database.

Stages, in pipeline order: ``track`` (the data type) → ``kinematics`` (filters, angles, view) →
``reps`` (the frame-by-frame rep engine and per-rep metrics) → ``spine`` (the back from the
silhouette) → ``faults`` (rules) → ``coach`` (drill, cues, what next) → ``progression`` (rules over
a training history). ``drills`` and ``settings`` are the data they read; ``results`` the result type.
"""
