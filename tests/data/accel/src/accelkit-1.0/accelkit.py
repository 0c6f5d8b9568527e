"""The accelerator this build of accelkit was made for."""


def device() -> str:
    from accelkit_device import DEVICE

    return DEVICE
