"""Maintainer tooling: scripts that regenerate data, fixtures and docs, and their libraries.

Nothing here ships in the ``streams`` package.  :mod:`tools.snapshots` turns Fedora's package
tables into the embedded rpm-md snapshots; :mod:`tools.devkit` holds the fake services and
fixture builders shared by the tests, the benchmarks and these tools.  Tooling never imports
``tests``.
"""
