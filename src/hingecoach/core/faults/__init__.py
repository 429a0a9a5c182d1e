"""Fault rules: each measures one rep against one rule of a drill and returns a finding or nothing.

Detectors register by name (:func:`~hingecoach.core.faults.rules.register_detector`); importing
this package imports every detector module, so a drill file can name any of them.
"""

from hingecoach.core.faults import rounded_back, rules

__all__ = ["rounded_back", "rules"]
