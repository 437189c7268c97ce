"""RequestBodyGuard: a request body Lens cannot or will not read is refused before anything
reads it.

It sits before CsrfViewMiddleware, which reads a POST's form to find the CSRF token. Without
it, a form body in another charset (`application/x-www-form-urlencoded; charset=latin-1`) or
a malformed one makes Django raise during the CSRF check, and the error path reads the body
again and fails with a 500, on every URL, even for an anonymous client.
"""

from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
SMALL_BODY = 64 * 1024  # a multipart body this small is read whole before it is parsed

# What Django raises while parsing a form body it cannot read: another charset, a malformed
# body, more than DATA_UPLOAD_MAX_MEMORY_SIZE or DATA_UPLOAD_MAX_NUMBER_FIELDS/FILES
# (SuspiciousOperation), a client gone half-way (UnreadablePostError).
UNREADABLE = (
    BadRequest,
    SuspiciousOperation,
    MultiPartParserError,
    UnreadablePostError,
    UnicodeDecodeError,
    ValueError,
)


class RequestBodyGuard:
    """- A request whose Content-Length is over `MAX_REQUEST_BYTES` gets 413, its body unread.
    - A form POST whose body declares a charset other than UTF-8 (or one that does not exist),
      or that cannot be parsed (a multipart body without a part, percent-escapes that are not
      UTF-8, too large, too many fields), gets the 400 page.
    Everything else goes on, its form already parsed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _bad_request(request)
        if length > settings.MAX_REQUEST_BYTES:
            return _too_large(request)
        if (
            request.method == "POST"
            and request.content_type in (URLENCODED, MULTIPART)
            and not _form_is_readable(request, length)
        ):
            return _bad_request(request)
        return self.get_response(request)


def _form_is_readable(request: HttpRequest, length: int) -> bool:
    charset = request.content_params.get("charset") if request.content_params else None
    if charset is not None and charset.lower() != "utf-8":
        return False  # "utf-8" as Django spells it: it refuses even an alias such as "utf8"
    try:
        if request.content_type == MULTIPART:
            return _multipart_is_readable(request, length)
        request.POST  # noqa: B018 (parsing is the point)
        # Django reads percent-escapes that are not UTF-8 as U+FFFD: refuse them instead.
        parse_qsl(request.body.decode(), keep_blank_values=True, errors="strict")
    except UNREADABLE:
        return False
    return True


def _multipart_is_readable(request: HttpRequest, length: int) -> bool:
    """Django's parser is lenient: it reads a body without the declared boundary (garbage, a
    wrong boundary) as an empty form, or as one field holding the rest. A small body is read
    whole first, and must start with its boundary and hold its closing delimiter (an empty
    form's body is the closing delimiter alone); a larger one, only ever an upload, must yield
    a field or a file."""
    small = length <= SMALL_BODY
    if small:
        request.body  # noqa: B018 (read and kept: the parser reads it from there)
    parsed = bool(request.POST or request.FILES)
    if not small:
        return parsed
    boundary = str((request.content_params or {}).get("boundary", ""))
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    body = request.body.strip()
    return body == b"" or (body.startswith(delimiter) and body.endswith(delimiter + b"--"))


def _bad_request(request: HttpRequest) -> HttpResponse:
    return render(request, "400.html", status=400)


def _too_large(request: HttpRequest) -> HttpResponse:
    megabytes = settings.MAX_REQUEST_BYTES // (1024 * 1024)
    return render(request, "413.html", {"megabytes": megabytes}, status=413)


class AccountLanguage:
    """The language saved on a signed-in user's account (`User.language`, chosen with the
    switcher on every page) wins over the cookie and the browser's Accept-Language, which
    LocaleMiddleware, before it, has already used. An account without a choice keeps that."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None else ""
        if chosen and chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        # LocaleMiddleware, on the way out, writes Content-Language from the active language.
        return self.get_response(request)
