"""The API edge: a ``copr.v3.Client`` behind one choke point (call counting, retries, errors)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from streams.builders.base import Reporter
from streams.builders.copr._config import DEFAULT_URL, redact, secrets_of
from streams.errors import ServiceError

log = logging.getLogger(__name__)


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

    def call(
        self,
        what: str,
        *args: Any,
        recover: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``proxy.method`` (``what`` = ``"build_proxy.get"``) with retries.

        ``recover`` makes a call that creates something idempotent: after an answer that may
        have come from a server which did the work anyway (a 5xx from the proxy after the
        frontend committed, a timeout, a dropped connection), it is asked before every retry;
        whatever it returns that is not None (the build that already exists) is the result,
        and nothing is sent again.
        """
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
            if recover is not None:
                found = recover()
                if found is not None:
                    self.reporter.message(
                        redact(
                            f"Copr answered {status or 'no response'} to {what}, but it had "
                            "done it: not sent again",
                            self.secrets,
                        )
                    )
                    return found
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
