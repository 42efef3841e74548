"""Pure business rules: no I/O, only the standard library (and numpy where maths needs it)."""
