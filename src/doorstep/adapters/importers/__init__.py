"""Importers: declarative mapping profiles for shop orders and carrier tracking.

The engine (``profile_engine``) is shared by both; ``tracking_pipeline`` turns
carrier payloads into canonical tracking events.  Import the submodules directly;
this package deliberately re-exports only the engine's entry points.
"""

from doorstep.adapters.importers.profile_engine import (
    Profile,
    ProfileError,
    builtin_profiles,
    load_profile,
)

__all__ = ["Profile", "ProfileError", "builtin_profiles", "load_profile"]
