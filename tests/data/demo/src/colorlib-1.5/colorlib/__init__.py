"""colorlib 1.5: the streams demo's shared dependency; its API changed in 2.0."""

__version__ = "1.5"
def paint(text):
    return "[red]" + text + "[/red]"
