"""Harmonisation of shop orders and carrier tracking: pure rules, no I/O."""
