"""Copr backend: the plan's generations as Copr batches, watched, cancelled on failure, resumable.

Protocol facts are in ``docs/reference/contracts.md`` §1 (fedora-copr/copr @5d37cd8); in short:

* ``copr.v3.Client(config)``; ``~/.config/copr`` by default, ``COPR_URL``/``COPR_LOGIN``/
  ``COPR_USERNAME``/``COPR_TOKEN`` override it.  The token is secret: every message that leaves
  this module goes through :func:`redact`.
* One build per package holds all the targets' chroots (``buildopts["chroots"]``); targets whose
  SRPMs differ get one build per distinct SRPM.
* Generation *g* is one batch: its first build has ``after_build_id`` = the first build of
  generation *g-1*, the others ``with_build_id`` = its own first build
  (``builds_logic.setup_batch``).  So batches == generations.
* Copr starts a batch once the batch before it *finished*, failed or not.  So when a build
  fails, streams cancels the builds of its dependants at once (``build_proxy.cancel``) and marks
  them skipped.  A build that ended first is refused (409 "Cannot cancel build N",
  ``BuildsLogic.cancel_build``); it stays watched and, if it succeeded, is recorded orphaned.
* A batch that finished cannot be joined ("Batch N is already finished"; a finished build
  outside any batch cannot get one: ``models.Build.batching_user_error``, 400): the build
  opens a new batch after the same predecessor and the rest of its generation joins it.
* A record is ``building`` without a build id while its submission is in flight, and gets the
  id as soon as Copr returns it.  A create that failed with a 5xx or a lost connection is
  looked up in the project's newest builds (same SRPM file name in ``source_package.url``,
  same chroots) before it is retried, and so is an in-flight record on ``--resume``: nothing
  is submitted twice.  ``--resume`` submits only what did not succeed and re-attaches to
  builds that are still running.

API calls for a fresh run of P packages in G generations on C chroots: ``1`` project get
``+ 1`` add or edit when needed ``+ P`` submissions ``+`` polling.  Polling asks each watched
build's state (``build_proxy.get``) while at most :data:`LIST_THRESHOLD` builds are watched,
else one ``build_proxy.get_list`` page (100 builds) per round, and fetches a build's chroot
list only when its state changes (pending -> running -> final: 2 per build).  So about
``2 + 3P + R`` calls for P package builds and R poll rounds, independent of G; one SRPM per
package and target, so P grows with the chroots; ``bench/copr_calls.py`` measured 1,093 calls
for the vLLM plan (365 builds over 2 chroots, 15 generations = 15 batches).

Modules: :mod:`._config` (project settings, client configuration, redaction), :mod:`._api`
(the client behind one choke point), :mod:`._backend` (submitting and watching),
:mod:`._dryrun` (what a run would do), :mod:`._gate` (what may go to Fedora's Copr at all).
"""

from __future__ import annotations

from streams.builders.copr._api import CoprApi
from streams.builders.copr._backend import (
    DEFAULT_POLL,
    LIST_THRESHOLD,
    PAGE,
    TERMINAL,
    CoprBackend,
)
from streams.builders.copr._config import (
    DEFAULT_URL,
    ENV_KEYS,
    CoprSettings,
    copr_config,
    redact,
    secrets_of,
)
from streams.builders.copr._dryrun import chroots_for, render_dry_run
from streams.builders.copr._gate import copr_destination, refuse_unless_allowed

__all__ = [
    "DEFAULT_POLL",
    "DEFAULT_URL",
    "ENV_KEYS",
    "LIST_THRESHOLD",
    "PAGE",
    "TERMINAL",
    "CoprApi",
    "CoprBackend",
    "CoprSettings",
    "chroots_for",
    "copr_config",
    "copr_destination",
    "redact",
    "refuse_unless_allowed",
    "render_dry_run",
    "secrets_of",
]
