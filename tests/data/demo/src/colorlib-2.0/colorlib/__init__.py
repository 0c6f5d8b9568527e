"""colorlib 2.0: the streams demo's shared dependency; its API changed in 2.0."""

__version__ = "2.0"
def paint(text, colour="red"):
    return "[" + colour + "]" + text + "[/" + colour + "]"
