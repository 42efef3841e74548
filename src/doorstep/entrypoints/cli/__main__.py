"""``python -m doorstep.entrypoints.cli``: the ``doorstep`` command without the console script.

Tests and benchmarks start servers as ``[sys.executable, "-m", "doorstep.entrypoints.cli"]``
so they run the interpreter (and virtualenv) that runs them, whatever ``PATH`` says.
"""

from doorstep.entrypoints.cli import main

if __name__ == "__main__":
    main()
