"""What a run produced: the :class:`~.result.Result` and its trace file."""
