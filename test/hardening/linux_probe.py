"""The Linux probe (../linux/probe.py) as a module, for the probes here that add operations to it.

probe.py runs the operations named on its command line when it is loaded; it is
given none, and its output is kept, so that the probe importing this runs its own.
"""
import contextlib
import io
import os
import runpy
import sys


def load():
    """The probe's globals (its OPERATIONS, checked, write, ...)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linux", "probe.py")
    operations = sys.argv[1]
    sys.argv[1] = "[]"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return runpy.run_path(path)
    finally:
        sys.argv[1] = operations
