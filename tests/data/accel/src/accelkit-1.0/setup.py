# Like vLLM's VLLM_TARGET_DEVICE: the build reads ACCELKIT_DEVICE and bakes it into the
# package.  A build without it fails, so a spec that does not export it is caught.
import os
from pathlib import Path

from setuptools import setup

device = os.environ.get("ACCELKIT_DEVICE")
if device not in ("cpu", "gpu"):
    raise SystemExit(f"accelkit: set ACCELKIT_DEVICE to cpu or gpu (got {device!r})")
Path("accelkit_device.py").write_text(f"DEVICE = {device!r}\n")
setup()
