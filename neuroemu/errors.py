"""Errors a user can cause and fix.

Every error raised for bad input is a :class:`NeuroemuError`; the command line
prints its message on one line and exits with status 1. Messages name the file
or object, the field, the value found and what was expected.
"""


class NeuroemuError(Exception):
    """Base class of the errors neuroemu reports to users."""


class FormatError(NeuroemuError):
    """A file is truncated, corrupt, of an unknown version or of the wrong layout."""


class NetworkError(NeuroemuError):
    """A network is inconsistent: shapes, names, parameters out of range."""


class MappingError(NeuroemuError):
    """A network does not fit the hardware profile's cores, mesh or registers."""


class ProfileError(NeuroemuError):
    """A hardware profile file is malformed."""


class InputError(NeuroemuError):
    """Input spikes or events do not match the network."""


class RegisterOverflow(NeuroemuError):
    """A register overflowed during a run with ``on_overflow='raise'``."""


class NeuroemuWarning(UserWarning):
    """Something a user should know about a run that still completed."""


class OverflowWarning(NeuroemuWarning):
    """A register overflowed during a run with ``on_overflow='warn'`` (the default)."""


class InputWarning(NeuroemuWarning):
    """No input event reached the network, or input records were dropped."""
