"""Live coaching on a laptop, without a browser (``hinge live``).

Frames from a camera (OpenCV) or a video file fed at its own rate go through the offline pose
estimator one at a time into a :class:`~hingecoach.core.live.LiveSession` — the same engine and
fault rules as ``hinge analyze`` — and its events are printed, spoken offline (pyttsx3 over
espeak-ng, :mod:`.speaker`) and drawn in a window with a delayed mirror (:mod:`.window`).

Modules: :mod:`.sources` (camera, video), :mod:`.loop` (the loop), :mod:`.events` (what is
printed and said), :mod:`.speaker`, :mod:`.window`. Only :mod:`.window` and the camera need a
display or a device; ``--video FILE --no-window --mute`` runs anywhere (the tests).
"""
