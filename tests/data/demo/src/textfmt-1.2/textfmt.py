"""textfmt 1.2 (streams demo): adds ``banner``."""

__version__ = "1.2"


def box(text):
    return "| " + text + " |"


def banner(text):
    return "== " + text + " =="
