"""The one exception type of hingecoach.

Every error a person can cause (a bad file, an unknown athlete, a missing model) is raised as
:class:`HingeError` with a message a lifter understands; the CLI prints it on one line and exits
with a non-zero code.
"""


class HingeError(Exception):
    """An error with a message meant for the person running hingecoach."""
