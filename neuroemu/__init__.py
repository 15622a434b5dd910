"""neuroemu: an event-driven, bit-exact emulator of neuromorphic hardware."""

__version__ = "0.1.0"
