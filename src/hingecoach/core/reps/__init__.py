"""Reps: the frame-by-frame rep state machine, the engine that feeds it (offline and live), and
per-rep metrics."""
