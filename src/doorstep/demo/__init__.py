"""The demo: a realistic shop day, generated and fed through every step doorstep has."""
