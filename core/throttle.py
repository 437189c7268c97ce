"""Throttles on guessing and flooding: how many tries one address, one account and one class
code get.

The counts live in the cache every worker and every instance shares (`CACHES["default"]`: the
database cache, or Redis when REDIS_URL is set), so a second worker or a second server sees
the same counts. Two maintained libraries do the counting:

- django-axes locks a *username* after `AXES_FAILURE_LIMIT` failed logins, on the site's login
  page and the admin's alike (it sits in `authenticate()`), until `AXES_COOLOFF_TIME` passes
  without another failure or the password is changed (`lift_login_lockout`).
- django-ratelimit counts the rest in fixed windows, at the rates of `settings.THROTTLES`:
  failed logins per address, wrong class codes per address, tries of one class code, sign-ups
  and password-reset requests per address and per e-mail address, invitation links that do
  not work per address; and every LTI login and launch per address (`lessons.lms.throttles`).

A request over a limit gets `too_many()`: the 429 page (templates/429.html) with a Retry-After
header, the same page whatever was typed (a locked-out class code and an unknown one look
alike), and a `lens.security` warning.
"""

import ipaddress
import logging
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django_ratelimit.core import get_usage

security_log = logging.getLogger("lens.security")

# What the 429 page speaks of (templates/429.html): what was being tried.
FAMILIES = ("login", "join", "signup", "password_reset", "invitation", "lti")


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, or, behind `TRUSTED_PROXIES` proxies, the address the
    outermost of them saw (that many places from the right of X-Forwarded-For; anything
    further left is whatever the client wrote, and is ignored)."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXIES
    if hops:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                pass  # not an address: the proxy is misconfigured; count by the peer
    return peer


def client_key(request: HttpRequest) -> str:
    """The address a throttle counts by: an IPv4 address as it is, an IPv6 address by its /64
    (a network hands each of its devices addresses from a whole /64)."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return f"{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
    return str(ip)


def _usage(request: HttpRequest, scope: str, value: str, *, count: bool) -> tuple[int, int, int]:
    """(tries so far, the limit, seconds until the window ends) for `value` in `scope`."""
    usage = get_usage(
        request,
        group=f"lens.{scope}",
        key=lambda _group, _request: value,
        rate=settings.THROTTLES[scope],
        increment=count,
    )
    if usage is None:  # RATELIMIT_ENABLE = False
        return 0, 1, 0
    if usage["limit"] == 0:  # the cache could not count: refuse rather than let guesses through
        return 1, 0, 60
    return usage["count"], usage["limit"], usage["time_left"]


def blocked(request: HttpRequest, scope: str, value: str) -> int | None:
    """If `value`'s failures in `scope` have reached the limit, the seconds until it may try
    again; None if it may try now. Counts nothing (`count_failure` counts a failure)."""
    tries, limit, seconds = _usage(request, scope, value, count=False)
    return max(seconds, 1) if tries >= limit else None


def count_failure(request: HttpRequest, scope: str, value: str) -> None:
    _usage(request, scope, value, count=True)


def try_once(request: HttpRequest, scope: str, value: str) -> int | None:
    """Count this try of `value` in `scope`: if it is one too many, the seconds until it may
    try again; None if it may go ahead."""
    tries, limit, seconds = _usage(request, scope, value, count=True)
    return max(seconds, 1) if tries > limit else None


def too_many(request: HttpRequest, family: str, seconds: int, **fields: Any) -> HttpResponse:
    """The 429 page for a request over a limit, and a `lens.security` warning. The page depends
    only on `family` and the time to wait, never on what was typed."""
    where = {"client_ip": client_address(request)}
    if forwarded := request.META.get("HTTP_X_FORWARDED_FOR"):
        where["forwarded_for"] = str(forwarded)[:200]
    security_log.warning(
        "Too many tries (%s) from %s",
        family,
        where["client_ip"],
        extra={"event": "throttled", "throttle": family, "path": request.path, **where, **fields},
    )
    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, "429.html", {"family": family, "minutes": minutes}, status=429)
    response["Retry-After"] = str(max(1, seconds))
    return response


def limit_failed_logins(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Wrap a login view (the site's, the admin's): a POST from an address whose failed logins
    reached `THROTTLES["login_ip"]` gets the 429 page. The failures are counted where a login
    is refused (`core.views.failed_login`)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            seconds = blocked(request, "login_ip", client_key(request))
            if seconds:
                username = str(request.POST.get("username", ""))[:150]
                return too_many(request, "login", seconds, scope="address", username=username)
        return view(request, *args, **kwargs)

    return wrapper


# django-axes: the per-username lockout.


class LoginFailures(AxesCacheHandler):
    """django-axes' cache handler (AXES_HANDLER), looking the cache up at each use rather than
    keeping the one it found at start (Django's cache objects belong to one thread, and tests
    switch CACHES), and quiet about a login tried from code with no request (a management
    command, a test's `client.login`): there is no client to count."""

    def __init__(self) -> None:
        pass  # the base class would keep one cache object

    @property
    def cache(self) -> BaseCache:
        return get_cache()

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is not None:
            super().user_login_failed(sender, credentials, request, **kwargs)


class LoginLockoutBackend(AxesStandaloneBackend):
    """The first authentication backend: refuses a locked-out username before its password is
    checked. `authenticate()` called from code without a request (a management command, a
    test's `client.login`) has no client to throttle, and goes on to the next backend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)


def login_locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the 429 page for a login to a locked-out username."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 15 * 60
    return too_many(request, "login", seconds, scope="account", username=username[:150])


def lift_login_lockout(username: str) -> None:
    """Forget a username's failed logins: its password was just changed by its owner (a reset
    by e-mail) or its teacher."""
    axes_reset(username=username)
