"""Fault rules: each measures one rep against one rule of a drill and returns a finding or nothing.

Detectors register by name (:func:`~hingecoach.core.faults.detectors.register_detector`); importing
this package imports every detector module, so a drill file can name any of them.
"""

from hingecoach.core.faults import detectors, rounded_back

__all__ = ["detectors", "rounded_back"]
