"""Framing for LMS launches.

Every page of Lens says `frame-ancestors 'none'` and `X-Frame-Options: DENY` (lens/settings.py),
except these: the LTI login and launch (and their refusal pages), for the LMS the request
names; and every page of a session that an LMS launch signed in, for that LMS's own web
origins (`Platform.origins`), so that Lens works inside the LMS's page. Such a session's
cookies, and the CSRF cookie, are sent `SameSite=None; Secure; Partitioned`, so the browser
keeps them inside the LMS's frame (docs/lti.md, "Inside the LMS's page").
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .lti import mark_for_frames

SESSION_KEY = "lms"  # the session's LMS launch: {"platform": pk, "origins": [...]}


def frame_origins(request: HttpRequest) -> list[str]:
    """The origins that may frame the response to `request`: set by the LTI views for their
    own responses, or those of the LMS whose launch signed this session in."""
    origins = getattr(request, "lms_frame_origins", None)
    if origins is not None:
        return list(origins)
    session = getattr(request, "session", None)
    # Only a session the page read already (every page does, for its header): reading it here
    # would add a query to a response that never looked at it (a file, a JSON answer).
    if session is None or not hasattr(session, "_session_cache"):
        return []
    launch = session.get(SESSION_KEY)
    if not isinstance(launch, dict) or not isinstance(launch.get("origins"), list):
        return []
    return [origin for origin in launch["origins"] if isinstance(origin, str)]


class LmsFraming:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = frame_origins(request)
        if not origins or request.path.startswith("/admin/"):
            return response
        policy = getattr(response, "_csp_config", None) or settings.SECURE_CSP
        response._csp_config = {**policy, "frame-ancestors": origins}  # type: ignore[attr-defined]
        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            mark_for_frames(response, name)
        return response
