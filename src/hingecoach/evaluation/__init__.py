"""Evaluation (edge): the pipeline measured against labelled clips, the synthetic bench and the
back calibration set (``hinge eval``, ``hinge back``)."""
