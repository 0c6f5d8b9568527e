"""Reconciliation: for each distribution of the closure, reuse Fedora's package or bundle a copy.

The model (docs/concepts.md, "Reuse or bundle"):

* The runtime view of a stream is a virtual environment whose site-packages come first and
  whose ``include-system-site-packages = true`` lets Fedora's packages show through.  A
  distribution is either *bundled* (the stream's copy shadows Fedora's) or *reused* (Fedora's
  copy is the one imported).  The view is consistent when every requirement of every
  distribution in it is met by the version the view actually imports.
* For libsolv this is: the base repositories as they are, plus one synthetic solvable per
  upstream pin (the *stream candidate*) that provides the same ``python3.Xdist(name) = V`` a
  Fedora package would, requires what the upstream metadata requires (converted by Fedora's
  generator rules), and conflicts with Fedora's providers of that name, so that exactly one
  copy of each distribution is visible.  The base repositories get the higher priority, so
  libsolv prefers reuse.
* ``policy.bundle`` locks Fedora's providers out, ``policy.fedora`` locks the stream candidate
  out, ``policy.prefer = "bundle"`` swaps the priorities, and ``policy.abi-coupled`` adds to every
  Fedora package that requires a coupled distribution an extra requirement on Fedora's own
  package of it (which only Fedora's copy satisfies): if the coupled distribution is bundled,
  the Fedora packages built against it cannot be reused either.
* libsolv is greedy; a second pass tries to turn each remaining bundle back into reuse (by
  locking its stream candidate out) and keeps the change when the solve stays clean.

Requirements of Fedora packages are Fedora's own (from the base repos); only Python-level
``python3.Xdist()`` provides decide what is a distribution of the view.  Interpreters other
than the release's main one only see packages built for them, because the provides are
minor-versioned (``python3.14dist(x)`` is not ``python3.15dist(x)``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import solv
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import Cause, ResolutionError, VersionError
from streams.solver.model import Decision, Pin, UpstreamClosure
from streams.solver.versions import rpm_dep, rpm_version

log = logging.getLogger(__name__)

STREAM_REPO = "@stream"
BASE_PRIORITY = 99
STREAM_PRIORITY = 1

_DIST_PROVIDE = re.compile(r"^python(?P<py>\d+\.\d+)dist\((?P<name>[^)\[]+)\)$")


class Reporter(Protocol):
    """Progress hooks for reconciliation; the default does nothing."""

    def solving(self, what: str) -> None: ...


class _NullReporter:
    def solving(self, what: str) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Policy:
    """The recipe's ``[policy]``, names canonicalized."""

    prefer: Literal["fedora", "bundle"] = "fedora"
    bundle: frozenset[NormalizedName] = frozenset()
    fedora: frozenset[NormalizedName] = frozenset()
    abi_coupled: frozenset[NormalizedName] = frozenset()


@dataclass(frozen=True, slots=True)
class Edge:
    """A requirement edge of the runtime view: ``source`` requires ``target``."""

    source: NormalizedName
    target: NormalizedName
    requirement: str  # PEP 508 for stream pins, the RPM dependency for Fedora packages


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The outcome: one decision per distribution of the runtime view, and its edges."""

    decisions: tuple[Decision, ...]
    edges: tuple[Edge, ...]
    warnings: tuple[str, ...] = ()
    solves: int = 0
    system_packages: tuple[str, ...] = field(default=())  # non-Python Fedora packages pulled in


def py_name(python: str, dist: str, extra: str | None = None) -> str:
    """The minor-versioned provide name: ``python3.14dist(foo)`` / ``python3.14dist(foo[x])``."""
    return f"python{python}dist({dist}[{extra}])" if extra else f"python{python}dist({dist})"


def parse_dep(pool: solv.Pool, text: str) -> solv.Dep:
    """A libsolv Dep for an RPM dependency string, rich or simple."""
    if not text.startswith("("):
        if not any(op in text for op in (" = ", " < ", " > ", " <= ", " >= ")):
            return pool.Dep(text)
        text = f"({text})"
    dep = pool.parserpmrichdep(text)
    if dep is None:
        raise VersionError(
            f"libsolv cannot parse the dependency {text!r}",
            text=text,
            hint="the requirement it was made from is not valid PEP 508; report it with the lock",
        )
    return dep


def pep440_from_rpm(version: str) -> str:
    """Best-effort PEP 440 spelling of an RPM version made by Fedora's rules.

    The reverse of :func:`streams.solver.versions.rpm_version` for display and the lock:
    ``2.12.0~rc1`` -> ``2.12.0rc1``, ``1~~dev3`` -> ``1.dev3``, ``1^post1`` -> ``1.post1``,
    ``1:2.0`` -> ``1!2.0``.
    """
    epoch, sep, rest = version.partition(":")
    if not sep:
        epoch, rest = "", version
    rest = rest.replace("~~dev", ".dev").replace("^post", ".post").replace("~", "")
    return f"{epoch}!{rest}" if epoch and epoch != "0" else rest


@dataclass
class _Candidate:
    pin: Pin
    solvable: solv.XSolvable
    rpm_version: str
    # rpm dependency string -> the PEP 508 requirement it came from
    req_text: dict[str, str]


class _Model:
    """The libsolv pool set up for one reconciliation."""

    def __init__(
        self,
        pool: solv.Pool,
        base: Sequence[solv.Repo],
        closure: UpstreamClosure,
        *,
        stream: str,
        policy: Policy,
        target_label: str,
    ) -> None:
        self.pool = pool
        self.base = list(base)
        self.base_ids = {r.id for r in self.base}
        self.closure = closure
        self.python = closure.python
        self.stream = stream
        self.policy = policy
        self.target_label = target_label
        # Fedora's providers of every name that matters, looked up while the base's provides
        # index (load_base finalized it) is still valid: adding a repo invalidates it until
        # the next createwhatprovides(), and using a stale index crashes libsolv.
        self.fedora: dict[NormalizedName, list[solv.XSolvable]] = {}
        for name in sorted({p.name for p in closure.pins} | set(policy.abi_coupled)):
            self.fedora[name] = self._fedora_providers(name)
        self.repo = pool.add_repo(STREAM_REPO)
        fedora_prio, stream_prio = BASE_PRIORITY, STREAM_PRIORITY
        if policy.prefer == "bundle":
            fedora_prio, stream_prio = stream_prio, fedora_prio
        for r in self.base:
            r.priority = fedora_prio
        self.repo.priority = stream_prio
        self.candidates: dict[NormalizedName, _Candidate] = {}
        for pin in closure.pins:
            self._add_candidate(pin)
        if policy.abi_coupled:
            self._couple()
        pool.createwhatprovides()  # the candidates have no file dependencies

    # -- pool construction -------------------------------------------------------------
    def _fedora_providers(self, name: str) -> list[solv.XSolvable]:
        dep = self.pool.Dep(py_name(self.python, name))
        found = [s for s in self.pool.whatprovides(dep) if s.repo.id in self.base_ids]
        return sorted(found, key=lambda s: (s.name, s.evr), reverse=False)

    def _req_deps(self, req: Requirement) -> list[str]:
        name = canonicalize_name(req.name)
        out = [rpm_dep(py_name(self.python, name), req.specifier)]
        for extra in sorted(req.extras):
            out.append(rpm_dep(py_name(self.python, name, canonicalize_name(extra)), req.specifier))
        return out

    def _add_candidate(self, pin: Pin) -> None:
        pool = self.pool
        s = self.repo.add_solvable()
        s.name = f"{self.stream}-stream-python3-{pin.name}"
        version = rpm_version(pin.version)
        s.evr = version
        s.arch = "noarch"
        s.add_provides(pool.Dep(s.name).Rel(solv.REL_EQ, pool.Dep(version)))
        for prov in [py_name(self.python, pin.name)] + [
            py_name(self.python, pin.name, e) for e in sorted(pin.extras)
        ]:
            s.add_provides(pool.Dep(prov).Rel(solv.REL_EQ, pool.Dep(version)))
        s.add_requires(pool.Dep("python(abi)").Rel(solv.REL_EQ, pool.Dep(self.python)))
        req_text: dict[str, str] = {}
        for req in pin.requires:
            for text in self._req_deps(req):
                req_text[text] = str(req)
                s.add_requires(parse_dep(pool, text))
        for fed in self.fedora.get(pin.name, ()):
            s.add_conflicts(pool.Dep(fed.name))
        self.candidates[pin.name] = _Candidate(pin, s, version, req_text)

    def _couple(self) -> None:
        """abi-coupled: Fedora packages requiring a coupled dist also require Fedora's copy.

        libsolv finds the requirers (``whatmatchesdep`` matches versioned and rich
        requirements on the name too), so this stays fast on a Fedora-sized base.
        """
        pool = self.pool
        for name in sorted(self.policy.abi_coupled):
            owners = self.fedora.get(name, [])
            if not owners:
                continue
            own_names = sorted({o.name for o in owners})
            needle = pool.Dep(py_name(self.python, name))
            for s in pool.whatmatchesdep(solv.SOLVABLE_REQUIRES, needle):
                if s.repo.id not in self.base_ids or s.name in own_names:
                    continue
                for own in own_names:
                    s.add_requires(pool.Dep(own))

    # -- solving ---------------------------------------------------------------------------
    def top_jobs(self) -> list[solv.Job]:
        jobs = []
        for req in self.closure.top:
            for text in self._req_deps(req):
                dep = parse_dep(self.pool, text)
                jobs.append(
                    self.pool.Job(
                        solv.Job.SOLVER_INSTALL | solv.Job.SOLVER_SOLVABLE_PROVIDES, dep.id
                    )
                )
        return jobs

    def lock_out(self, solvables: Iterable[solv.XSolvable]) -> list[solv.Job]:
        return [
            self.pool.Job(solv.Job.SOLVER_SOLVABLE | solv.Job.SOLVER_LOCK, s.id) for s in solvables
        ]

    def policy_jobs(self) -> list[solv.Job]:
        jobs: list[solv.Job] = []
        for name in sorted(self.policy.bundle):
            jobs += self.lock_out(self.fedora.get(name, ()))
        for name in sorted(self.policy.fedora):
            cand = self.candidates.get(name)
            if cand is not None:
                jobs += self.lock_out([cand.solvable])
        return jobs

    def solve(self, jobs: list[solv.Job]) -> tuple[list[solv.Problem], list[solv.XSolvable]]:
        solver = self.pool.Solver()
        solver.set_flag(solv.Solver.SOLVER_FLAG_IGNORE_RECOMMENDED, 1)
        problems = solver.solve(jobs)
        # Problems point into the solver: keep it alive as long as they may be explained.
        self._last_solver = solver
        if problems:
            return list(problems), []
        return [], list(solver.transaction().newsolvables())

    # -- explaining ------------------------------------------------------------------------
    def describe(self, s: solv.XSolvable | None) -> str:
        if s is None:
            return "(nothing)"
        if s.repo.id == self.repo.id:
            for cand in self.candidates.values():
                if cand.solvable.id == s.id:
                    return f"{cand.pin.name} {cand.pin.version} (upstream)"
            return str(s)
        return f"{self.target_label}'s {s.name} {s.evr}"

    def _supply(self, dep: solv.Dep) -> str:
        """What the base and the upstream pins offer for the distributions ``dep`` names."""
        parts: list[str] = []
        for raw in sorted(set(re.findall(r"python\d+\.\d+dist\(([^)\[]+)", str(dep)))):
            name = canonicalize_name(raw)
            fed = self.fedora.get(name) or self._fedora_providers(name)
            if fed:
                have = ", ".join(f"{f.name} {f.evr}" for f in fed)
                ok = any(f.matchesdep(solv.SOLVABLE_PROVIDES, dep) for f in fed)
                parts.append(
                    f"{self.target_label} has {have}"
                    + ("" if ok else ", which does not satisfy it")
                )
            else:
                parts.append(f"{self.target_label} has no {py_name(self.python, name)}")
            cand = self.candidates.get(name)
            if cand is not None:
                if name in self.policy.fedora:
                    parts.append(f"upstream {name} {cand.pin.version} is excluded by policy.fedora")
                elif not cand.solvable.matchesdep(solv.SOLVABLE_PROVIDES, dep):
                    parts.append(f"upstream pins {name} {cand.pin.version}, which does not either")
        return "; ".join(parts) or "nothing can be installed that provides it"

    def dep_text(self, s: solv.XSolvable | None, dep: solv.Dep | None) -> str:
        if dep is None:
            return "?"
        text = str(dep)
        if s is not None and s.repo.id == self.repo.id:
            for cand in self.candidates.values():
                if cand.solvable.id == s.id and text in cand.req_text:
                    return cand.req_text[text]
        return text

    def explain(self, problems: Sequence[solv.Problem]) -> list[Cause]:
        causes: list[Cause] = []
        seen: set[str] = set()
        S = solv.Solver
        for problem in problems:
            for rule in problem.findallproblemrules():
                for info in rule.allinfos():
                    msg = self._rule_sentence(info, S)
                    if msg and msg not in seen:
                        seen.add(msg)
                        causes.append(Cause(msg))
        return causes

    def _rule_sentence(self, info: Any, S: Any) -> str | None:
        t = info.type
        s, other, dep = info.solvable, info.othersolvable, info.dep
        if t == S.SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP:
            return f"the recipe requires {self._pretty(str(dep))}, but nothing provides it"
        if t == S.SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
            return (
                f"{self.describe(s)} requires {self.dep_text(s, dep)}, "
                f"but nothing provides {self._pretty(str(dep))} for Python {self.python}"
            )
        if t == S.SOLVER_RULE_PKG_REQUIRES and dep is not None:
            return f"{self.describe(s)} requires {self.dep_text(s, dep)}; {self._supply(dep)}"
        if t in (S.SOLVER_RULE_PKG_CONFLICTS, S.SOLVER_RULE_PKG_SAME_NAME):
            return (
                f"only one copy of a distribution can be visible: "
                f"{self.describe(s)} or {self.describe(other)}"
            )
        if t == S.SOLVER_RULE_JOB:
            return None
        text = info.problemstr()
        return str(text) if text else None

    def _pretty(self, text: str) -> str:
        return re.sub(r"python\d+\.\d+dist\(([^)]+)\)", r"\1", text)


def _dist_of(s: solv.XSolvable, python: str) -> tuple[NormalizedName, str] | None:
    """The (distribution, RPM version) a solvable provides for ``python``, or None."""
    for dep in s.lookup_deparray(solv.SOLVABLE_PROVIDES):
        text = str(dep)
        name, _, rest = text.partition(" = ")
        m = _DIST_PROVIDE.match(name.strip())
        if m and m["py"] == python:
            return canonicalize_name(m["name"]), rest.strip()
    return None


def base_versions(
    pool: solv.Pool, repos: Sequence[solv.Repo], python: str, names: Iterable[str]
) -> dict[NormalizedName, Version]:
    """The newest version of each distribution the base repos provide for ``python``
    (``python3.Xdist(NAME)``), compared as PEP 440 versions; names the base lacks are absent.

    What base-first resolution pins upstream to (``policy.fedora``): dnf installs the newest
    build, so the stream must work with that one."""
    pool.createwhatprovides()
    ids = {r.id for r in repos}
    out: dict[NormalizedName, Version] = {}
    for raw in names:
        name = canonicalize_name(raw)
        for s in pool.whatprovides(pool.Dep(py_name(python, name))):
            if s.repo.id not in ids:
                continue
            found = _dist_of(s, python)
            if found is None or found[0] != name:
                continue
            try:
                version = Version(_view_version(s.evr, found[1]))
            except InvalidVersion:
                continue
            if name not in out or version > out[name]:
                out[name] = version
    return out


def reconcile(
    pool: solv.Pool,
    base: Sequence[solv.Repo],
    closure: UpstreamClosure,
    *,
    stream: str,
    policy: Policy = Policy(),
    target_label: str = "Fedora",
    reporter: Reporter | None = None,
) -> Reconciliation:
    """Decide reuse or bundle for every distribution of ``closure`` against ``base``.

    ``pool`` must already hold ``base``, finalized (``load_base`` of :mod:`streams.solver.repos`
    does it; else call ``addfileprovides()`` and ``createwhatprovides()``).  Adds a
    ``@stream`` repo with the candidates to it.  Raises :class:`ResolutionError` with one
    cause per libsolv problem rule when the recipe cannot be satisfied.
    """
    rep = reporter or _NullReporter()
    warnings: list[str] = []
    model = _Model(pool, base, closure, stream=stream, policy=policy, target_label=target_label)
    names = {p.name for p in closure.pins}
    for key, listed in (("bundle", policy.bundle), ("fedora", policy.fedora)):
        for n in sorted(listed - names):
            warnings.append(f"policy.{key} names {n}, which is not in the closure")
    base_jobs = model.top_jobs() + model.policy_jobs()
    rep.solving("initial")
    problems, installed = model.solve(base_jobs)
    solves = 1
    if problems:
        raise _resolution_error(model, problems, closure)

    # Second pass: try to turn each bundle back into reuse.
    flip_reasons: dict[NormalizedName, str] = {}
    extra_jobs: list[solv.Job] = []
    for name in sorted(model.candidates):
        cand = model.candidates[name]
        if name in policy.bundle or not model.fedora.get(name):
            continue
        if cand.solvable.id not in {s.id for s in installed}:
            continue
        blocked = _unsatisfied_requirements(model, name, installed)
        if blocked:
            flip_reasons[name] = blocked
            continue
        rep.solving(f"reuse {name}")
        trial = [*base_jobs, *extra_jobs, *model.lock_out([cand.solvable])]
        probs, result = model.solve(trial)
        solves += 1
        if probs:
            flip_reasons[name] = _flip_failure(model, name, model.explain(probs))
            continue
        extra_jobs += model.lock_out([cand.solvable])
        installed = result

    decisions, edges, system = _decide(model, installed, flip_reasons)
    return Reconciliation(tuple(decisions), tuple(edges), tuple(warnings), solves, tuple(system))


def _unsatisfied_requirements(
    model: _Model, name: NormalizedName, installed: Sequence[solv.XSolvable]
) -> str:
    """Why Fedora's copy of ``name`` cannot replace the bundle: the requirements it fails."""
    fed = model.fedora[name]
    needle = py_name(model.python, name)
    failing: list[str] = []
    for s in installed:
        for dep in s.lookup_deparray(solv.SOLVABLE_REQUIRES):
            text = str(dep)
            if needle + " " not in text + " " and needle + ")" not in text and needle != text:
                continue
            if not any(f.matchesdep(solv.SOLVABLE_PROVIDES, dep) for f in fed):
                failing.append(f"{model.describe(s)} requires {model.dep_text(s, dep)}")
    if not failing:
        return ""
    have = ", ".join(f"{f.name} {f.evr}" for f in fed)
    return f"{model.target_label} has {have}; " + "; ".join(sorted(set(failing))[:3])


def _flip_failure(model: _Model, name: NormalizedName, causes: Sequence[Cause]) -> str:
    """The causes that say why Fedora's copy of ``name`` could not be used, shortest first."""
    subjects = tuple(model.describe(f) for f in model.fedora[name])
    own = [c.message for c in causes if c.message.startswith(subjects)]
    other = [c.message for c in causes if not c.message.startswith("only one copy")]
    chosen = own or other or [c.message for c in causes]
    return "; ".join(chosen[:2]) if chosen else "libsolv found no consistent way to reuse it"


def _decide(
    model: _Model, installed: Sequence[solv.XSolvable], flip_reasons: dict[NormalizedName, str]
) -> tuple[list[Decision], list[Edge], list[str]]:
    pins = model.closure.by_name()
    by_id = {s.id: s for s in installed}
    dist_of: dict[int, tuple[NormalizedName, str]] = {}
    system: list[str] = []
    for s in installed:
        d = _dist_of(s, model.python)
        if d is None:
            if not any(
                str(p).startswith(f"python{model.python}dist(")
                for p in s.lookup_deparray(solv.SOLVABLE_PROVIDES)
            ):
                system.append(f"{s.name}-{s.evr}.{s.arch}")
            continue
        dist_of[s.id] = d
    # requirement edges among distributions of the view
    edges: set[Edge] = set()
    requirers: dict[NormalizedName, list[str]] = {}
    for s in installed:
        src = dist_of.get(s.id)
        if src is None:
            continue
        for dep in s.lookup_deparray(solv.SOLVABLE_REQUIRES):
            for p in model.pool.whatprovides(dep):
                if p.id in by_id and p.id in dist_of and p.id != s.id:
                    dst = dist_of[p.id][0]
                    if dst == src[0]:
                        continue
                    text = model.dep_text(s, dep)
                    edges.add(Edge(src[0], dst, text))
                    requirers.setdefault(dst, []).append(f"{src[0]} ({text})")
    top = {canonicalize_name(r.name) for r in model.closure.top}
    decisions: list[Decision] = []
    for sid, (name, ver) in sorted(dist_of.items(), key=lambda kv: kv[1][0]):
        s = by_id[sid]
        pin = pins.get(name)
        if s.repo.id == model.repo.id:
            assert pin is not None
            reason = _bundle_reason(model, name, flip_reasons)
            decisions.append(
                Decision(
                    name=name,
                    version=str(pin.version),
                    origin="bundle",
                    rpm=s.name,
                    evr=s.evr,
                    reason=reason,
                    requires=tuple(sorted(str(r) for r in pin.requires)),
                    repo="stream",
                    sources=pin.sources,
                    extras=tuple(sorted(pin.extras)),
                )
            )
        else:
            reason = _reuse_reason(model, name, s, pin, name in top, requirers.get(name, []))
            decisions.append(
                Decision(
                    name=name,
                    version=_view_version(s.evr, ver),
                    origin="fedora",
                    rpm=s.name,
                    evr=s.evr,
                    reason=reason,
                    requires=tuple(sorted(str(r) for r in pin.requires)) if pin else (),
                    repo=s.repo.name,
                )
            )
    edge_list = sorted(edges, key=lambda e: (e.source, e.target, e.requirement))
    return decisions, edge_list, sorted(system)


def _evr_version(evr: str) -> str:
    """The version part of an RPM EVR string, without the RPM epoch (``1:2.4.2-3`` -> ``2.4.2``).

    An RPM epoch on a Python package (numpy's ``1:``) is Fedora's, not a PEP 440 epoch; a PEP
    440 epoch would show in the ``python3.Xdist()`` provide instead (see :func:`_view_version`).
    """
    version = evr.rsplit("-", 1)[0] if "-" in evr else evr
    return version.split(":", 1)[1] if ":" in version else version


def _same_version(text: str, version: Version) -> bool:
    try:
        return Version(text) == version
    except InvalidVersion:  # Fedora snapshot versions such as 0^20240101git1234
        return False


def _view_version(evr: str, provided: str) -> str:
    """The PEP 440 version a reused package makes the view import.

    Fedora's ``Version`` tag as written (``1.16.0``) is friendlier than the provide, whose
    trailing zeros the generator strips (``1.16``); the provide wins when it carries a PEP 440
    epoch.
    """
    if ":" in provided:
        return pep440_from_rpm(provided)
    return pep440_from_rpm(_evr_version(evr) or provided)


def _bundle_reason(model: _Model, name: NormalizedName, flips: dict[NormalizedName, str]) -> str:
    if name in model.policy.bundle:
        return "bundled: the recipe's policy.bundle lists it"
    if model.policy.prefer == "bundle":
        return "bundled: the recipe's policy.prefer is 'bundle'"
    if name in flips:
        return f"bundled: {flips[name]}"
    if not model.fedora.get(name):
        other = [
            s
            for s in model.pool.whatprovides(model.pool.Dep(f"python3dist({name})"))
            if s.repo.id in model.base_ids
        ]
        if other:
            o = other[0]
            return (
                f"bundled: {model.target_label}'s {o.name} {o.evr} is built for another Python; "
                f"this stream runs on Python {model.python}"
            )
        provide = py_name(model.python, name)
        return f"bundled: {model.target_label} has no package providing {provide}"
    return "bundled: libsolv could not reuse Fedora's copy consistently"


def _reuse_reason(
    model: _Model,
    name: NormalizedName,
    s: solv.XSolvable,
    pin: Pin | None,
    is_top: bool,
    requirers: list[str],
) -> str:
    where = f"{model.target_label} {s.repo.name}"
    if pin is None:
        via = ", ".join(sorted(set(requirers))[:3]) or "a reused Fedora package"
        return f"reused: {s.name} {s.evr} ({where}) is pulled in by {via}"
    lead = "reused (policy.fedora)" if name in model.policy.fedora else "reused"
    if _same_version(pep440_from_rpm(_evr_version(s.evr)), pin.version):
        how = "is the version upstream pins"
    else:
        how = f"satisfies every requirement on it (upstream pins {pin.version})"
    who = "the recipe" if is_top else ", ".join(sorted(set(requirers))[:3])
    return f"{lead}: {s.name} {s.evr} ({where}) {how}; required by {who}"


def _resolution_error(
    model: _Model, problems: Sequence[solv.Problem], closure: UpstreamClosure
) -> ResolutionError:
    causes = model.explain(problems)
    hint = None
    if model.policy.fedora:
        hint = (
            "a distribution in policy.fedora cannot come from Fedora here; remove it from "
            "policy.fedora, or pin a version Fedora's package satisfies in [requires]"
        )
    return ResolutionError(
        f"cannot reconcile the stream with {model.target_label} for Python {closure.python}",
        causes,
        hint=hint,
    )
