"""The Copr project a stream builds in, and the client configuration with its secrets."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.errors import UsageError

DEFAULT_URL = "https://copr.fedorainfracloud.org"


ENV_KEYS = {
    "COPR_URL": "copr_url",
    "COPR_LOGIN": "login",
    "COPR_USERNAME": "username",
    "COPR_TOKEN": "token",
}


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
