"""Hardware: profiles (data files) and fixed-point semantics in plain Python."""

from .profile import Profile, available_profiles, load_profile

__all__ = ["Profile", "available_profiles", "load_profile"]
