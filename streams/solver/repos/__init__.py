"""Loading base repositories (rpm-md) into libsolv, with a ``.solv`` cache.

Where a repository is (:mod:`.specs`: ``--repo NAME=URL``, a target's Fedora sources, the
embedded snapshots, metalinks) and how it gets into a pool.  The public entry points are
:func:`load_base` / :func:`load_repo` (load into a pool you own) and :class:`BaseRepos` (make a
pool, load, query).  Each load:

1. reads ``repomd.xml`` (from a local directory, a baseurl, or the first metalink mirror whose
   copy matches one of the metalink's hashes; with ``offline`` only from the cache);
2. looks for ``<cache>/<sha256 of repomd.xml>[+filelists].solv``: if it is there and intact the
   repo is loaded from it with ``Repo.add_solv`` and no XML is read (the *warm* path);
3. otherwise fetches ``primary`` (and ``filelists`` when asked), checks each file's
   ``<checksum>`` from repomd.xml before libsolv sees it, parses it with ``Repo.add_rpmmd``
   (filelists with ``REPO_EXTEND_SOLVABLES``), and writes the ``.solv`` cache atomically.

Calls follow libsolv's bindings (doc/libsolv-bindings.txt) and its examples/pysolv, which caches
repos the same way (a solv file named by a cookie of repomd.xml, the cookie appended to the file
and checked before use); ``docs/reference/contracts.md`` §5 has the verified call sequence.

The cache lives under ``cache_dir("repos", "<name>-<sha256(url)[:12]>")``:
``repomd.xml`` (the last repomd.xml that loaded completely — what ``--offline`` uses),
``repodata/`` (downloaded metadata files, remote repos only) and the ``.solv`` files.  A file
that fails its checksum is deleted and never replaces a good one; the cached ``repomd.xml`` is
replaced only after its data loaded, so a failed refresh leaves the previous state usable.
A ``.solv`` file that is truncated or does not carry the expected cookie is discarded and
rebuilt from the XML, never fatal.

Modules: :mod:`.specs` (repository specs, pure), :mod:`._repomd` (repomd.xml and checksums),
:mod:`._fetch` (where the bytes come from), :mod:`._cache` (the cache directory and ``.solv``
files), :mod:`._load` (into a pool), :mod:`._base` (:class:`BaseRepos`), :mod:`.host` (the
host target's base, written from what the running machine has).
"""

from streams.solver.repos._base import BaseRepos
from streams.solver.repos._cache import RepoCache, wait_for_cache_writes
from streams.solver.repos._load import load_base, load_repo
from streams.solver.repos._repomd import Repomd, RepomdFile, file_digest, parse_repomd, verify_file
from streams.solver.repos._types import LoadedRepo, LoadReporter
from streams.solver.repos.specs import (
    BaseChoice,
    Metalink,
    RepoKind,
    RepoSpec,
    classify_url,
    make_spec,
    parse_metalink,
    parse_repo_option,
    parse_repo_options,
    snapshot_dir,
    target_specs,
)

__all__ = [
    "BaseChoice",
    "BaseRepos",
    "LoadReporter",
    "LoadedRepo",
    "Metalink",
    "RepoCache",
    "RepoKind",
    "RepoSpec",
    "Repomd",
    "RepomdFile",
    "classify_url",
    "file_digest",
    "load_base",
    "load_repo",
    "make_spec",
    "parse_metalink",
    "parse_repo_option",
    "parse_repo_options",
    "parse_repomd",
    "snapshot_dir",
    "target_specs",
    "verify_file",
    "wait_for_cache_writes",
]
