"""Copr backend: the plan's generations as Copr batches, watched, cancelled on failure, resumable.

Protocol facts are in CONTRACTS.md §1 (fedora-copr/copr @5d37cd8); in short:

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
  them skipped.
* Build ids are written into the plan state as soon as Copr returns them; ``--resume`` submits
  only what did not succeed and re-attaches to builds that are still running.

API calls for a fresh run of P packages in G generations on C chroots: ``1`` project get
``+ 1`` add or edit when needed ``+ P`` submissions ``+`` polling.  Polling asks each watched
build's state (``build_proxy.get``) while at most :data:`LIST_THRESHOLD` builds are watched,
else one ``build_proxy.get_list`` page (100 builds) per round, and fetches a build's chroot
list only when its state changes (pending -> running -> final: 2 per build).  So about
``2 + 3P + R`` calls for P package builds and R poll rounds, independent of G; one SRPM per
package and target, so P grows with the chroots; ``bench/copr_calls.py`` measured 1,093 calls
for the vLLM plan (365 builds over 2 chroots, 15 generations = 15 batches).
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.builders.base import BuildOutcome, Reporter, SrpmProvider
from streams.builders.plan import BuildPlan, PlanState
from streams.errors import BuildError, ServiceError, UsageError
from streams.targets import get_target

log = logging.getLogger(__name__)

DEFAULT_URL = "https://copr.fedorainfracloud.org"
LIST_THRESHOLD = 3
PAGE = 100
TERMINAL = frozenset({"succeeded", "failed", "canceled", "skipped"})
# copr.v3.wait() raises on "unknown"; "forked" is not terminal there either (CONTRACTS §1).
ENV_KEYS = {
    "COPR_URL": "copr_url",
    "COPR_LOGIN": "login",
    "COPR_USERNAME": "username",
    "COPR_TOKEN": "token",
}


# -- settings and credentials ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoprSettings:
    """The Copr project a stream builds in (from the recipe's ``[copr]`` table)."""

    project: str
    owner: str | None = None
    description: str | None = None
    instructions: str | None = None
    homepage: str | None = None
    contact: str | None = None
    enable_net: bool = False
    additional_repos: tuple[str, ...] = ()
    bootstrap: str | None = None
    isolation: str | None = None
    timeout: int | None = None
    """Per-build timeout in seconds (Copr's default when None)."""

    @classmethod
    def from_recipe(cls, recipe: Any) -> CoprSettings:
        """From a :class:`streams.recipe.Recipe`: ``[copr]``, project default ``NAME-stream``."""
        c = recipe.copr
        return cls(
            project=c.project or f"{recipe.name}-stream",
            owner=c.owner,
            description=c.description,
            instructions=c.instructions,
            homepage=c.homepage,
            contact=c.contact,
            enable_net=c.enable_net,
            additional_repos=tuple(c.additional_repos),
            bootstrap=c.bootstrap,
            isolation=c.isolation,
        )


def copr_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The client configuration: the Copr config file, then the environment on top.

    ``path`` defaults to ``~/.config/copr`` (a missing default file is fine when the
    environment has the credentials).  Raises :class:`UsageError` without a token.
    """
    from copr.v3.exceptions import CoprConfigException
    from copr.v3.helpers import config_from_file

    env = os.environ if env is None else env
    config: dict[str, Any] = {}
    default = Path(os.path.expanduser("~/.config/copr"))
    file = path or default
    if path is not None or default.exists():
        try:
            config = dict(config_from_file(str(file)))
        except CoprConfigException as exc:
            raise UsageError(
                f"{file}: {exc}",
                hint="download a fresh config from https://copr.fedorainfracloud.org/api/",
            ) from exc
    for var, key in ENV_KEYS.items():
        if env.get(var):
            config[key] = env[var]
    config.setdefault("copr_url", DEFAULT_URL)
    if not config.get("copr_url"):
        config["copr_url"] = DEFAULT_URL
    if not config.get("token") and not config.get("gssapi"):
        raise UsageError(
            "no Copr API token",
            hint=f"put the [copr-cli] section from {config['copr_url']}/api/ into "
            "~/.config/copr, or set COPR_LOGIN and COPR_TOKEN",
        )
    return config


def secrets_of(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The strings that must never be shown: the token and its HTTP Basic encoding."""
    token = config.get("token")
    if not token:
        return ()
    login = str(config.get("login") or "")
    basic = base64.b64encode(f"{login}:{token}".encode()).decode()
    return (str(token), basic)


def redact(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


# -- the API edge -------------------------------------------------------------------------------


class CoprApi:
    """A ``copr.v3.Client`` behind one choke point: call counting, retries, clean errors.

    5xx answers, timeouts and refused connections are retried ``retries`` times with
    exponential backoff from ``backoff`` seconds.  Every other error becomes a
    :class:`ServiceError` whose message has the token redacted.
    """

    def __init__(
        self,
        client: Any,
        *,
        retries: int = 4,
        backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        reporter: Reporter | None = None,
    ) -> None:
        self.client = client
        self.config: Mapping[str, Any] = client.config
        self.url = str(self.config.get("copr_url") or DEFAULT_URL).rstrip("/")
        self.secrets = secrets_of(self.config)
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.reporter = reporter or Reporter()
        self.calls: Counter[str] = Counter()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> CoprApi:
        from copr.v3 import Client

        return cls(Client(dict(config)), **kwargs)

    def call(self, what: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``proxy.method`` (``what`` = ``"build_proxy.get"``) with retries."""
        import requests
        from copr.v3.exceptions import (
            CoprAuthException,
            CoprException,
            CoprNoResultException,
            CoprTimeoutException,
        )

        proxy_name, method = what.split(".")
        fn = getattr(getattr(self.client, proxy_name), method)
        delay = self.backoff
        for attempt in range(self.retries + 1):
            self.calls[what] += 1
            log.debug("copr: %s%r", what, args)
            status: int | None = None
            try:
                return fn(*args, **kwargs)
            except CoprNoResultException as exc:
                raise ServiceError(
                    self._msg(what, exc), service="copr", url=self.url, status=404
                ) from None
            except CoprAuthException as exc:
                raise ServiceError(
                    self._msg(what, exc),
                    service="copr",
                    url=self.url,
                    status=403,
                    hint="check that your Copr user may build in this project "
                    "(owner, group membership) and that the token is valid",
                ) from None
            except CoprTimeoutException as exc:
                status = 504
                error: Exception = exc
            except CoprException as exc:
                response = getattr(exc.result, "__response__", None)
                status = getattr(response, "status_code", None)
                if status == 401:
                    login = self.config.get("login") or "?"
                    raise ServiceError(
                        f"Copr at {self.url} rejected the API token of login {login!r} (HTTP 401)",
                        service="copr",
                        url=self.url,
                        status=401,
                        hint=f"get a new token at {self.url}/api/ and put it in "
                        "~/.config/copr (or COPR_TOKEN)",
                    ) from None
                if status is not None and status < 500:
                    raise ServiceError(
                        self._msg(what, exc), service="copr", url=self.url, status=status
                    ) from None
                error = exc
            except requests.RequestException as exc:
                error = exc
            if attempt >= self.retries:
                raise ServiceError(
                    self._msg(what, error) + f" (after {attempt + 1} attempts)",
                    service="copr",
                    url=self.url,
                    status=status,
                    hint="Copr is unavailable; run the same command with --resume later "
                    "(submitted builds are kept)",
                ) from None
            self.reporter.message(
                redact(
                    f"Copr answered {status or 'no response'} to {what}; retrying in {delay:g}s",
                    self.secrets,
                )
            )
            self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _msg(self, what: str, exc: BaseException) -> str:
        return redact(f"Copr {what} failed: {exc}", self.secrets)


# -- the backend ---------------------------------------------------------------------------------


@dataclass
class _Watched:
    """One submitted Copr build: which package, which targets (by chroot), its last state."""

    build_id: int
    name: str
    chroots: dict[str, str]  # chroot -> target
    state: str = "pending"
    cancelled: bool = False
    cancel_tried: bool = False


@dataclass
class _Run:
    watched: dict[int, _Watched] = field(default_factory=dict)
    batches: int = 0


def chroots_for(targets: Sequence[str]) -> dict[str, str]:
    """Target name -> Copr chroot name."""
    out = {}
    for t in targets:
        chroot = get_target(t).copr_chroot
        if chroot is None:
            raise UsageError(
                f"target {t!r} has no Copr chroot", hint="Copr builds fedora-NN-ARCH targets"
            )
        out[t] = chroot
    return out


class CoprBackend:
    """Builds a plan in one Copr project.  See the module docstring for the protocol."""

    name = "copr"

    def __init__(
        self,
        api: CoprApi,
        settings: CoprSettings,
        srpms: SrpmProvider,
        *,
        poll_interval: float = 30.0,
        reporter: Reporter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.settings = settings
        self.srpms = srpms
        self.poll_interval = poll_interval
        self.reporter = reporter or Reporter()
        self.sleep = sleep

    # -- identity --------------------------------------------------------------------------
    @property
    def owner(self) -> str:
        owner = self.settings.owner or self.api.config.get("username")
        if not owner:
            raise UsageError(
                "no Copr owner",
                hint="set owner in the recipe's [copr] table, or username in ~/.config/copr",
            )
        return str(owner)

    def build_url(self, build_id: int) -> str:
        owner = self.owner
        path = f"g/{owner[1:]}" if owner.startswith("@") else owner
        return f"{self.api.url}/coprs/{path}/{self.settings.project}/build/{build_id}/"

    # -- project -----------------------------------------------------------------------------
    def ensure_project(self, chroots: Sequence[str]) -> None:
        """Create the project with ``chroots`` and the recipe's settings, or edit what differs."""
        s = self.settings
        wanted: dict[str, Any] = {
            "description": s.description,
            "instructions": s.instructions,
            "homepage": s.homepage,
            "contact": s.contact,
            "enable_net": s.enable_net,
            "bootstrap": s.bootstrap,
            "isolation": s.isolation,
        }
        try:
            project = self.api.call("project_proxy.get", self.owner, s.project)
        except ServiceError as exc:
            if exc.status != 404:
                raise
            self.api.call(
                "project_proxy.add",
                self.owner,
                s.project,
                list(chroots),
                additional_repos=list(s.additional_repos),
                **wanted,
            )
            self.reporter.message(f"created Copr project {self.owner}/{s.project}")
            return
        have = set((project.get("chroot_repos") or {}).keys())
        changes: dict[str, Any] = {}
        if not set(chroots) <= have:
            changes["chroots"] = sorted(have | set(chroots))
        for key, value in wanted.items():
            if value is not None and project.get(key) != value:
                changes[key] = value
        if s.additional_repos and set(project.get("additional_repos") or ()) != set(
            s.additional_repos
        ):
            changes["additional_repos"] = list(s.additional_repos)
        if changes:
            self.api.call("project_proxy.edit", self.owner, s.project, **changes)
            self.reporter.message(
                f"updated Copr project {self.owner}/{s.project}: {', '.join(sorted(changes))}"
            )

    # -- dry run -----------------------------------------------------------------------------
    def dry_run(self, plan: BuildPlan, state: PlanState) -> str:
        return render_dry_run(plan, state, self.settings, owner=self.owner)

    # -- the run -------------------------------------------------------------------------------
    def build(self, plan: BuildPlan, state: PlanState) -> BuildOutcome:
        """Submit what is not built, watch it to the end, and return the summary.

        A KeyboardInterrupt leaves the submitted builds running in Copr and their ids in the
        state: run again with ``--resume`` to re-attach.
        """
        target_chroots = chroots_for(plan.targets)
        self.ensure_project(sorted(set(target_chroots.values())))
        run = _Run()
        self._reattach(plan, state, run, target_chroots)
        self._submit(plan, state, run, target_chroots)
        self._watch(state, run)
        return BuildOutcome(
            "copr",
            tuple(state.summary()),
            state.path,
            api_calls=dict(self.api.calls),
            batches=run.batches,
        )

    def _reattach(
        self, plan: BuildPlan, state: PlanState, run: _Run, target_chroots: Mapping[str, str]
    ) -> None:
        by_id: dict[int, _Watched] = {}
        for (name, target), rec in state.items():
            if rec.state != "building" or not rec.build_id:
                continue
            bid = int(rec.build_id)
            w = by_id.setdefault(bid, _Watched(bid, name, {}))
            w.chroots[target_chroots[target]] = target
        for w in by_id.values():
            run.watched[w.build_id] = w
            self.reporter.submitted(w.name, tuple(w.chroots.values()), str(w.build_id))
        # learn what happened while we were away before submitting anything new
        for w in list(by_id.values()):
            build = self.api.call("build_proxy.get", w.build_id)
            self._update(state, run, w, str(build.state))

    def _submit(
        self, plan: BuildPlan, state: PlanState, run: _Run, target_chroots: Mapping[str, str]
    ) -> None:
        """Submit the pending records generation by generation, one batch each.

        Builds re-attached after an interruption sit in batches of the earlier run, which the
        new batches cannot be chained to; a generation that comes after one of them is only
        submitted once they have finished (a fresh run never waits here).
        """
        reattached = {w.build_id: plan.generation_of(w.name) for w in run.watched.values()}
        prev_anchor: int | None = None
        for g, gen in enumerate(plan.generations):
            members = [m for step in gen for m in step.members]
            if not any(state.pending_targets(m) for m in members):
                continue
            waiting = [
                bid
                for bid, bg in reattached.items()
                if bg < g
                and run.watched[bid].state not in TERMINAL
                and not run.watched[bid].cancelled
            ]
            if waiting:
                self.reporter.message(
                    f"waiting for {len(waiting)} re-attached build(s) before generation {g}"
                )
                self._watch(state, run, only=set(waiting))
            anchor: int | None = None
            for name in members:
                node = plan.nodes[name]
                groups: dict[Path, list[str]] = {}
                for t in state.pending_targets(name):
                    groups.setdefault(self.srpms(node, t), []).append(t)
                for srpm, targets in groups.items():
                    opts: dict[str, Any] = {"chroots": sorted(target_chroots[t] for t in targets)}
                    if self.settings.timeout:
                        opts["timeout"] = self.settings.timeout
                    bid = self._create(srpm, opts, anchor, prev_anchor, run)
                    if anchor is None:
                        anchor = bid
                    w = _Watched(bid, name, {target_chroots[t]: t for t in targets})
                    run.watched[bid] = w
                    for t in targets:
                        state.start(name, t, build_id=str(bid), url=self.build_url(bid))
                    self.reporter.submitted(name, tuple(targets), str(bid))
            if anchor is not None:
                prev_anchor = anchor

    def _create(
        self,
        srpm: Path,
        opts: dict[str, Any],
        anchor: int | None,
        prev_anchor: int | None,
        run: _Run,
    ) -> int:
        owner, project = self.owner, self.settings.project
        if anchor is not None:
            try:
                build = self.api.call(
                    "build_proxy.create_from_file",
                    owner,
                    project,
                    str(srpm),
                    buildopts={**opts, "with_build_id": anchor},
                )
                return int(build.id)
            except ServiceError as exc:
                # the batch finished while we were uploading (builds_logic: a finished batch
                # cannot be joined): start a new batch after the previous generation instead
                if exc.status != 400:
                    raise
                self.reporter.message(f"batch of build {anchor} already finished: {exc.message}")
        extra = {"after_build_id": prev_anchor} if prev_anchor is not None else {}
        build = self.api.call(
            "build_proxy.create_from_file",
            owner,
            project,
            str(srpm),
            buildopts={**opts, **extra},
        )
        run.batches += 1
        return int(build.id)

    # -- watching ------------------------------------------------------------------------------
    def _active(self, run: _Run) -> list[_Watched]:
        return [w for w in run.watched.values() if w.state not in TERMINAL and not w.cancelled]

    def _watch(self, state: PlanState, run: _Run, *, only: set[int] | None = None) -> None:
        """Poll until every watched build (or those in ``only``) is finished or cancelled."""
        while active := self._active(run):
            if only is not None and not any(w.build_id in only for w in active):
                return
            self.sleep(self.poll_interval)
            if len(active) <= LIST_THRESHOLD:
                # one build at a time, acting on each answer before asking the next
                for w in active:
                    if w.cancelled:
                        continue
                    new = str(self.api.call("build_proxy.get", w.build_id).state)
                    if new != w.state:
                        self._update(state, run, w, new)
                continue
            for w, new in self._poll(active):
                if new != w.state and not w.cancelled:
                    self._update(state, run, w, new)

    def _poll(self, active: list[_Watched]) -> list[tuple[_Watched, str]]:
        """States of the ``active`` builds from ``build_proxy.get_list``, newest first."""
        wanted = {w.build_id: w for w in active}
        low = min(wanted)
        found: dict[int, str] = {}
        offset = 0
        while True:
            page = self.api.call(
                "build_proxy.get_list",
                self.owner,
                self.settings.project,
                pagination={"limit": PAGE, "offset": offset, "order": "id", "order_type": "DESC"},
            )
            for b in page:
                if int(b.id) in wanted:
                    found[int(b.id)] = str(b.state)
            if len(page) < PAGE or not page or min(int(b.id) for b in page) <= low:
                break
            offset += PAGE
        return [(w, found.get(w.build_id, w.state)) for w in active]

    def _update(self, state: PlanState, run: _Run, w: _Watched, new: str) -> None:
        w.state = new
        chroot_items = self.api.call("build_chroot_proxy.get_list", w.build_id)
        per_chroot = {str(c.name): str(c.state) for c in chroot_items}
        urls = {str(c.name): c.get("result_url") for c in chroot_items}
        self.reporter.chroots(w.name, str(w.build_id), per_chroot)
        if new == "unknown":
            raise ServiceError(
                f"Copr reports build {w.build_id} of {w.name} in state 'unknown'",
                service="copr",
                url=self.build_url(w.build_id),
            )
        if new not in TERMINAL:
            return
        for chroot, target in sorted(w.chroots.items()):
            cstate = per_chroot.get(chroot, new)
            url = urls.get(chroot) or self.build_url(w.build_id)
            logs = [f"{url.rstrip('/')}/builder-live.log.gz"] if urls.get(chroot) else []
            current = state.get(w.name, target).state
            if current == "skipped":
                continue
            if cstate == "succeeded":
                state.succeed(w.name, target, url=url, logs=logs)
                self.reporter.changed(w.name, target, "succeeded", f"build {w.build_id}")
            else:
                reason = f"Copr build {w.build_id} {cstate} in {chroot}"
                skipped = state.fail(w.name, target, reason=reason, url=url, logs=logs)
                self.reporter.changed(w.name, target, "failed", reason)
                self._cancel_dependants(state, run, skipped, w.name)

    def _cancel_dependants(
        self, state: PlanState, run: _Run, skipped: list[tuple[str, str]], failed: str
    ) -> None:
        """Cancel the queued builds of records that just became skipped (and cascade)."""
        todo = list(skipped)
        while todo:
            name, target = todo.pop(0)
            self.reporter.changed(name, target, "skipped", f"dependency {failed} failed")
            rec = state.get(name, target)
            if not rec.build_id:
                continue
            w = run.watched.get(int(rec.build_id))
            if w is None or w.cancelled or w.cancel_tried or w.state in TERMINAL:
                continue
            w.cancel_tried = True
            try:
                self.api.call("build_proxy.cancel", w.build_id)
            except ServiceError as exc:
                if exc.status != 409:  # 409: it finished meanwhile; its result will show
                    raise
                continue
            w.cancelled = True
            self.reporter.message(f"cancelled Copr build {w.build_id} of {name}: {failed} failed")
            # one Copr build spans several chroots: its other targets are gone too
            for other in w.chroots.values():
                if state.get(name, other).state == "building":
                    todo += state.skip(
                        name,
                        other,
                        reason=f"Copr build {w.build_id} cancelled: dependency {failed} failed",
                    )


# -- dry run ----------------------------------------------------------------------------------


def render_dry_run(
    plan: BuildPlan, state: PlanState | None, settings: CoprSettings, *, owner: str
) -> str:
    """The batches and the Copr API calls a run would make, without contacting Copr."""
    chroots = chroots_for(plan.targets)
    s = settings
    lines = [
        f"Copr project {owner}/{s.project}: chroots {', '.join(sorted(set(chroots.values())))}; "
        f"network {'on' if s.enable_net else 'off'}"
        + (f"; additional repos {', '.join(s.additional_repos)}" if s.additional_repos else ""),
        f"  project_proxy.get({owner!r}, {s.project!r})",
        f"  project_proxy.add({owner!r}, {s.project!r}, chroots=[...], enable_net={s.enable_net})"
        "  # only if missing; project_proxy.edit(...) if chroots or settings differ",
    ]
    first_prev: str | None = None
    batch = 0
    for g, gen in enumerate(plan.generations):
        first: str | None = None
        calls = []
        for step in gen:
            for name in step.members:
                node = plan.nodes[name]
                targets = (
                    list(node.targets)
                    if state is None
                    else [t for t, r in state.records(name) if r.state != "succeeded"]
                )
                if not targets:
                    continue
                cs = sorted(chroots[t] for t in targets)
                opts = f'"chroots": {cs}'
                if first is not None:
                    opts += f', "with_build_id": <build of {first}>'
                elif first_prev is not None:
                    opts += f', "after_build_id": <build of {first_prev}>'
                version = node.version(targets[0]) or "VERSION"
                calls.append(
                    f"  build_proxy.create_from_file({owner!r}, {s.project!r}, "
                    f"'{node.rpm}-{version}-*.src.rpm', buildopts={{{opts}}})"
                    + ("  # cycle: " + step.reason if step.is_cycle else "")
                )
                if first is None:
                    first = name
        if calls:
            batch += 1
            lines.append(f"batch {batch} (generation {g}): {len(calls)} build(s)")
            lines += calls
            first_prev = first
    lines.append(
        "then: build_proxy.get / build_proxy.get_list polling and build_chroot_proxy.get_list "
        "on each state change; build_proxy.cancel for the dependants of a failed build"
    )
    return "\n".join(lines)


# -- one function for the command ----------------------------------------------------------------


def build_copr(
    plan: BuildPlan,
    state: PlanState,
    *,
    settings: CoprSettings,
    srpms: SrpmProvider,
    config: Mapping[str, Any] | None = None,
    config_path: Path | None = None,
    poll_interval: float = 30.0,
    reporter: Reporter | None = None,
    retries: int = 4,
    backoff: float = 2.0,
) -> BuildOutcome:
    """Build ``plan`` in Copr: the whole backend behind plain arguments (for ``streams build``).

    ``config`` (a dict like ``~/.config/copr``'s ``[copr-cli]``) wins over ``config_path`` and
    the environment.  Raises :class:`ServiceError` when Copr is unusable; failed packages are
    in the outcome (``outcome.raise_for_failures()``).
    """
    try:
        import copr.v3  # noqa: F401
    except ImportError as exc:
        raise BuildError(
            "the Copr backend needs the copr client library",
            backend="copr",
            hint="dnf install python3-copr, or pip install copr",
        ) from exc
    cfg = dict(config) if config is not None else copr_config(config_path)
    reporter = reporter or Reporter()
    api = CoprApi.from_config(cfg, retries=retries, backoff=backoff, reporter=reporter)
    backend = CoprBackend(api, settings, srpms, poll_interval=poll_interval, reporter=reporter)
    return backend.build(plan, state)


def dry_run_copr(
    plan: BuildPlan,
    state: PlanState | None,
    *,
    settings: CoprSettings,
    owner: str | None = None,
) -> str:
    """``--dry-run``: the batches and API calls, with no credentials needed."""
    return render_dry_run(plan, state, settings, owner=owner or settings.owner or "OWNER")
