"""Prints the accelerator accelkit was built for, and whether the GPU kernels are there."""

import importlib.util

import accelkit


def main() -> None:
    kernels = importlib.util.find_spec("gpukernels") is not None
    print(f"accelapp: device={accelkit.device()} gpukernels={kernels}")
