"""The input stage: recordings, event arrays and spike lists onto the input population.

Between the readers (:mod:`neuroemu.recordings`) and the engine: an
:class:`~.input_map.InputMap` bins sensor events into ticks and maps pixels onto
input channels (:mod:`.input_map`); :mod:`.load` turns whatever a user gives as
input (a file, an event array, a spike list) into a :class:`~.stimulus.Stimulus`,
the engine's input, or a stream of them.
"""
