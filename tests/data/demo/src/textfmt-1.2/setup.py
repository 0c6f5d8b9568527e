# The failing-build test sets STREAMS_DEMO_BREAK=textfmt: a %build that fails, fixed by
# unsetting it (tests/e2e/test_build_demo.py).
import os

from setuptools import setup

if os.environ.get("STREAMS_DEMO_BREAK") == "textfmt":
    raise SystemExit("textfmt: broken on purpose (STREAMS_DEMO_BREAK=textfmt)")
setup()
