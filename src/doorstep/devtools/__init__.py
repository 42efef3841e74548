"""Tools for driving doorstep from the outside: real server and worker processes, order
bodies and a load generator, shared by the end-to-end tests and the benchmarks.

Nothing here is imported by the application itself.
"""
