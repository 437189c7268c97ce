"""The one path from a service's answer to an HTTP response, for every view.

Views call services; a service that will not do what it was asked raises `Refusal`. The
`refusals(render)` decorator turns that into a response in one place: the message goes to the
user, with the refusal's status, in the page or fragment that `render` rebuilds (an htmx request
gets the fragment with the message in place; a plain form gets the whole page with the message
among the page's messages). `done()` is the other half: after a successful write, an htmx
request gets the fragment and a plain form a message and a redirect (so a refresh never posts
twice).
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from .refusals import Refusal

if TYPE_CHECKING:
    from .models import User

logger = logging.getLogger("lens.refusals")

P = ParamSpec("P")


class HtmxHttpRequest(HttpRequest):
    """The request every view receives: `HtmxMiddleware` sets `htmx`."""

    htmx: HtmxDetails


class AuthenticatedRequest(HtmxHttpRequest):
    """The request a `@login_required` view receives: its `user` is signed in, never anonymous."""

    user: "User"


R = TypeVar("R", bound=HtmxHttpRequest)
View = Callable[Concatenate[R, P], HttpResponse]
Render = Callable[..., HttpResponse]


def refusals(render: Render, *, shows_message: bool = False) -> Callable[[View[R, P]], View[R, P]]:
    """Decorate a view whose services may refuse. On a `Refusal`, `render(request, *args,
    refusal=refusal, **kwargs)` (called with the view's own arguments) rebuilds the page, or
    the fragment for htmx, showing `refusal.message`, with `refusal.status`. A page that
    shows the message itself, beside what it is about (`shows_message=True`), does not get
    it again among its messages. A `render` that redirects (a plain form's message and
    redirect) keeps its redirect status."""

    def decorator(view: View[R, P]) -> View[R, P]:
        @wraps(view)
        def wrapper(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Refusal as refusal:
                logger.info(
                    "refused %s %s (%s): %s",
                    request.method,
                    request.path,
                    refusal.status,
                    refusal.message,
                )
                if not request.htmx and not shows_message:
                    messages.error(request, refusal.message)
                response = render(request, *args, refusal=refusal, **kwargs)
                if not 300 <= response.status_code < 400:
                    response.status_code = refusal.status
                return response

        return wrapper

    return decorator


def done(
    request: HtmxHttpRequest,
    message: str,
    *,
    redirect_to: str,
    fragment: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """After a successful write: the fragment for htmx, a message and a redirect otherwise
    (always, for a page that has no fragment)."""
    if request.htmx and fragment is not None:
        return fragment()
    if message:
        messages.success(request, message)
    return redirect(redirect_to)
