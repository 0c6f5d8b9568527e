"""textfmt 1.1 (streams demo)."""

__version__ = "1.1"


def box(text):
    return "| " + text + " |"
