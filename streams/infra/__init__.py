"""Plumbing shared by every stage: HTTP, subprocesses, archives, files and caches.

* :mod:`.http` -- the one HTTP client (retries, range requests, ``file://``).
* :mod:`.proc` -- the one choke point for subprocesses (no other module calls ``subprocess``).
* :mod:`.sandbox` -- running a command with no network (``offline_argv``).
* :mod:`.archive` -- reading sdists and wheels (tar and zip) without unpacking them.
* :mod:`.fsutil` -- atomic writes and the cache directory.

Nothing here knows about recipes, locks or RPM streams; every other room may use it.
"""
