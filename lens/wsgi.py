"""The WSGI entry point (gunicorn lens.wsgi)."""

import codecs
import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.utils.http import parse_header_parameters

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lens.settings")


def readable_charset(content_type: str) -> bool:
    """False for a Content-Type whose charset Python knows but is no text encoding (base64,
    rot13, zlib...): Django would take it as the request's encoding and fail while making the
    request, before any middleware could answer (a 500 for anyone, on any URL)."""
    try:
        _, params = parse_header_parameters(content_type)
        return codecs.lookup(params["charset"])._is_text_encoding
    except (KeyError, LookupError, ValueError):
        return True  # no charset, or one Django ignores or refuses itself


class LensWSGIHandler(WSGIHandler):
    def __call__(self, environ, start_response):
        if not readable_charset(environ.get("CONTENT_TYPE", "")):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Bad request: the charset of this request is not a text encoding.\n"]
        return super().__call__(environ, start_response)


get_wsgi_application()  # sets Django up, as the handler needs
application = LensWSGIHandler()
