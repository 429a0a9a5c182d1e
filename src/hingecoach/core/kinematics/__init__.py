"""Kinematics: gap filling, smoothing, facing and view, signed sagittal angles, per-frame features."""
