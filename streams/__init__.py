"""streams: isolated dependency streams for Fedora.

A recipe pins what an application needs; streams resolves the closure, reuses every compatible
Fedora package, bundles the rest as prefixed RPMs under an isolated root, and builds them in
dependency order.  See ``docs/`` for the user documentation.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
