"""No 500 from a body Lens cannot read (core.middleware.RequestBodyGuard): a form body in
another charset, or malformed, gets a 400 on every URL, before the CSRF check reads it, for
anyone; a body larger than Lens takes gets a 413 before it is read."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from lessons.library import bundles

from .conftest import PERSONAS, log_in

DOCS = Path(__file__).resolve().parent.parent / "docs"

# A sample of URLs: pages anyone opens, forms, a student's writes, an author's upload, the
# admin, and a URL that does not exist.
URLS = {
    "home": lambda w: reverse("work:home"),
    "login": lambda w: reverse("core:login"),
    "join": lambda w: reverse("core:join"),
    "signup": lambda w: reverse("core:signup"),
    "password_reset": lambda w: reverse("core:password_reset"),
    "classroom_new": lambda w: reverse("core:classroom_new"),
    "highlight_add": lambda w: reverse("work:highlight_add", args=[w.assignment.pk, 1]),
    "answers_save": lambda w: reverse("work:answers_save", args=[w.assignment.pk, 1]),
    "author_import": lambda w: reverse("authoring:author_import"),
    "admin_login": lambda w: reverse("admin:login"),
    "nowhere": lambda w: "/nowhere/",
}

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=BoUnDaRy"
PART = (
    b'--BoUnDaRy\r\nContent-Disposition: form-data; name="code"\r\n\r\nQQQ\xe9\r\n--BoUnDaRy--\r\n'
)

UNREADABLE = {
    "latin-1": (f"{URLENCODED}; charset=latin-1", b"code=caf\xe9"),
    "iso-8859-1": (f"{URLENCODED}; charset=ISO-8859-1", b"code=caf%E9"),
    "utf-16": (f"{URLENCODED}; charset=utf-16", "code=x".encode("utf-16")),
    "unknown charset": (f"{URLENCODED}; charset=klingon", b"code=x"),
    # Django itself takes "utf-8" only, not even an alias
    "utf8": (f"{URLENCODED}; charset=utf8", b"code=x"),
    "multipart unicode_escape": (f"{MULTIPART}; charset=unicode_escape", PART),
    "multipart latin-1": (f"{MULTIPART}; charset=latin-1", PART),
    "percent-escapes not UTF-8": (URLENCODED, b"code=%FF%FE&display_name=x"),
    "bytes not UTF-8": (URLENCODED, b"code=\xff\xfe"),
    "multipart without boundary": ("multipart/form-data", PART),
    "multipart without a part": (MULTIPART, b"garbage, no boundary anywhere"),
    "multipart wrong boundary": ("multipart/form-data; boundary=other", PART),
    "multipart cut short": (MULTIPART, PART[: PART.index(b"\r\n--BoUnDaRy--")]),
    "multipart boundary too long": (f"multipart/form-data; boundary={'b' * 300}", PART),
    "too many fields": (URLENCODED, "&".join(f"f{n}=x" for n in range(600)).encode()),
}


@pytest.mark.parametrize("body", UNREADABLE, ids=list(UNREADABLE))
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("persona", ["anonymous", "alice"])
def test_an_unreadable_form_body_gets_a_400_on_every_url(world, persona, url, body):
    client = Client(enforce_csrf_checks=True, raise_request_exception=True)
    log_in(client, world, persona)
    content_type, data = UNREADABLE[body]

    response = client.generic("POST", URLS[url](world), data, content_type=content_type)

    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_readable_body_is_still_read_with_or_without_charset_utf_8(world, persona):
    client = Client()
    log_in(client, world, persona)
    url = reverse("core:login")

    for content_type in (
        URLENCODED,
        f"{URLENCODED}; charset=UTF-8",
        f"{URLENCODED}; charset=utf-8",
    ):
        response = client.generic("POST", url, b"username=caf%C3%A9&password=x", content_type)
        assert response.status_code == 200, (content_type, response.content.decode())
        assert response.context["form"].data["username"] == "café"


def test_an_empty_multipart_form_is_a_form(client, world):
    """A form with no field sends the closing delimiter alone (the test client does)."""
    client.force_login(world.sam)

    response = client.post(reverse("work:submit", args=[world.assignment.pk]))

    assert response.status_code == 302


class Unreadable:
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("method", ["POST", "PUT", "GET"])
@pytest.mark.parametrize("url", ["author_import", "login", "nowhere"])
def test_a_body_larger_than_lens_takes_gets_a_413_before_it_is_read(world, method, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    too_large = django_settings.MAX_REQUEST_BYTES + 1

    response = client.generic(
        method,
        URLS[url](world),
        content_type=MULTIPART,
        **{"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(too_large)},
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "That was too large" in page
    assert "2 MB" in page


def test_fifty_megabytes_are_refused_unread(client, world):
    response = client.generic(
        "POST",
        reverse("authoring:author_import"),
        content_type=MULTIPART,
        **{"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(50 * 1024 * 1024)},
    )

    assert response.status_code == 413


def test_a_content_length_that_is_not_a_number_gets_a_400(client, world):
    response = client.generic(
        "POST", reverse("core:join"), b"code=x", URLENCODED, CONTENT_LENGTH="lots"
    )

    assert response.status_code == 400


def test_the_largest_lesson_upload_fits_in_a_request():
    assert django_settings.MAX_REQUEST_BYTES >= bundles.MAX_UPLOAD_BYTES + 16 * 1024
    # uploads up to the limit stay in memory, never in temporary files
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == django_settings.MAX_REQUEST_BYTES
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= django_settings.MAX_REQUEST_BYTES
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 500
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10


def test_a_lesson_file_of_the_largest_size_still_reaches_the_import(client, world):
    client.force_login(world.alice)
    lesson = b"x" * bundles.MAX_UPLOAD_BYTES

    response = client.post(
        reverse("authoring:author_import"),
        {"file": _upload("big.md", lesson)},
    )

    # the import judged it (a refusal of its own, for a file not in the lesson format)
    assert response.status_code != 413
    assert "Nothing was imported" in response.content.decode()
    assert "Something was wrong with that request" not in response.content.decode()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/markdown")


def test_the_deployment_guide_gives_the_proxy_the_same_limit():
    guide = (DOCS / "deployment.md").read_text()

    [value] = re.findall(r"client_max_body_size\s+(\d+)m;", guide)
    assert int(value) * 1024 * 1024 >= django_settings.MAX_REQUEST_BYTES
    assert int(value) * 1024 * 1024 < django_settings.MAX_REQUEST_BYTES + 1024 * 1024
