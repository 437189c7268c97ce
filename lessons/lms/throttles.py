"""Limits on the two LTI endpoints anyone may call without signing in: the OIDC login
initiation (`/lti/login/`) and the launch (`/lti/launch/`).

Each request counts against its address's limit (`THROTTLES["lti_login_ip"]`,
`THROTTLES["lti_launch_ip"]`), in the cache every worker shares, by `core.throttle` like Lens's
other limits. One launch is one login and one launch from the student's browser, and a
school's students often share one address (its NAT): the limits let several classes of 40
open Lens at the same bell (docs/lti.md, "Limits"). A request over a limit gets the 429 page,
before anything of it is read, and the LMS it names may show that page in its frame, as it
may a refusal."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from core import throttle

from .lti import frame_origins_for, unverified_claims

View = Callable[..., HttpResponseBase]


def _login_issuer(request: HttpRequest) -> object:
    return (request.GET if request.method == "GET" else request.POST).get("iss")


def _launch_issuer(request: HttpRequest) -> object:
    return unverified_claims(str(request.POST.get("id_token", ""))).get("iss")


def _limited(scope: str, issuer: Callable[[HttpRequest], object]) -> Callable[[View], View]:
    """Count each request to the view against `THROTTLES[scope]` for its address; one too
    many gets the 429 page, which the LMS named by `issuer(request)` (unverified: it only
    chooses who may frame the page) may show in its frame."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            seconds = throttle.try_once(request, scope, throttle.client_key(request))
            if seconds:
                request.lms_frame_origins = frame_origins_for(issuer(request))  # type: ignore[attr-defined]
                return throttle.too_many(request, "lti", seconds, scope=scope)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


login_limited = _limited("lti_login_ip", _login_issuer)
launch_limited = _limited("lti_launch_ip", _launch_issuer)
