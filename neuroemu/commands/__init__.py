"""Subcommands of the ``neuroemu`` command line (see :mod:`neuroemu.cli`)."""
