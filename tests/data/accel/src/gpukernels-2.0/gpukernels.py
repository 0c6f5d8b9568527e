"""GPU kernels (a stand-in)."""
