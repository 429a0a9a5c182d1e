"""hingesynth: a rendered athlete performing the five hip-hinge drills, with exact ground truth.

The pipeline, one module each: ``scenario`` (what to make) -> ``motion`` (commanded sagittal
kinematics per frame, reps and fault windows) -> ``rig`` (anny body posed to those angles)
-> ``render`` (pyrender/OSMesa frames) -> ``video`` (H.264 via PyAV) and ``groundtruth``
(the ``<name>.gt.json`` file). ``bench`` builds the committed bench set from ``bench.json``.
"""

__version__ = "1.0.0"
