"""The outside world: database, carriers, importers, notifications."""
