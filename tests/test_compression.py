"""Compressed pages and static files (docs/deployment.md, "Compression").

Pages are gzipped by Django's GZipMiddleware when the browser accepts it, with its BREACH
mitigation (a gzip header of random length) beside CSRF tokens masked anew in every response;
static files are compressed once, by collectstatic (gzip and brotli), and WhiteNoise serves
the smallest the browser accepts."""

import gzip
import re
from pathlib import Path

import brotli
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from lessons.work.models import Highlight

from . import factories
from .html import text

BROWSER = "gzip, deflate, br, zstd"  # what Chromium sends
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
PER_RESPONSE = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]+')


def _passage_url(world) -> str:
    return reverse("work:segment", args=[world.assignment.pk, 1])


def _without_csrf_tokens(html: bytes) -> bytes:
    """The page with its CSRF tokens and CSP nonces blanked: they are new in every response."""
    return PER_RESPONSE.sub(rb"\1", html)


def _gzip_filename(body: bytes) -> bytes:
    """The file name field of a gzip member (RFC 1952), where Django puts its random padding."""
    assert body[:2] == b"\x1f\x8b" and body[3] & 0x08, "a gzip member with a file name"
    return body[10 : body.index(b"\x00", 10)]


def test_a_page_comes_back_gzipped_to_a_browser_that_accepts_it(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    client.force_login(world.sam)

    plain = client.get(_passage_url(world))
    compressed = client.get(_passage_url(world), HTTP_ACCEPT_ENCODING=BROWSER)

    assert plain.status_code == compressed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert int(compressed.headers["Content-Length"]) == len(compressed.content)
    assert len(compressed.content) < len(plain.content) / 3
    page = gzip.decompress(compressed.content)
    assert _without_csrf_tokens(page) == _without_csrf_tokens(plain.content)
    assert "glorious leader" in text(page, "[data-segment-text]")


def test_an_htmx_fragment_is_gzipped_too(client, world):
    client.force_login(world.sam)

    response = client.get(_passage_url(world), HTTP_HX_REQUEST="true", HTTP_ACCEPT_ENCODING="gzip")

    assert response.headers["Content-Encoding"] == "gzip"
    fragment = gzip.decompress(response.content)
    assert b"<html" not in fragment
    assert b"data-segment-text" in fragment


def test_each_compressed_page_differs_in_length_and_in_its_csrf_token(client, world):
    """BREACH guesses a secret from the size of compressed pages that reflect the guess:
    Django pads the gzip header with 0 to 99 random bytes and masks the CSRF token anew
    in every response, so the same page is never the same bytes twice."""
    client.force_login(world.sam)

    bodies = [
        client.get(_passage_url(world), HTTP_ACCEPT_ENCODING="gzip").content for _ in range(6)
    ]

    assert len({len(_gzip_filename(body)) for body in bodies}) > 1
    tokens = [CSRF_INPUT.search(gzip.decompress(body)).group(1) for body in bodies]
    assert len(set(tokens)) == len(tokens)


def test_a_form_posted_with_the_token_of_a_compressed_page_passes_the_csrf_check(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sam)
    page = client.get(_passage_url(world), HTTP_ACCEPT_ENCODING=BROWSER)
    token = CSRF_INPUT.search(gzip.decompress(page.content)).group(1).decode()
    form = {
        "quote": "glorious leader",
        "technique": world.assignment.lesson.taxonomy.techniques.first().pk,
    }
    add = reverse("work:highlight_add", args=[world.assignment.pk, 1])

    forged = client.post(add, form, HTTP_ACCEPT_ENCODING=BROWSER)
    sent = client.post(add, {**form, "csrfmiddlewaretoken": token}, HTTP_ACCEPT_ENCODING=BROWSER)

    assert forged.status_code == 403
    assert sent.status_code == 302
    assert list(Highlight.objects.values_list("quote", flat=True)) == ["glorious leader"]


STORAGES = {
    "plain names": "lens.staticfiles.CompressedStaticFilesStorage",
    "hashed names": "lens.staticfiles.CompressedManifestStaticFilesStorage",
}


@pytest.fixture(scope="module", params=STORAGES, ids=list(STORAGES))
def collected(request, tmp_path_factory):
    """STATIC_ROOT after collectstatic with the storage of the settings (STATIC_MANIFEST
    false, then true)."""
    root = tmp_path_factory.mktemp("static")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": STORAGES[request.param]},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def _static_url(path: str) -> str:
    from django.templatetags.static import static

    return static(path)


@pytest.mark.parametrize("path", ["css/lens.css", "js/highlight.js", "django_htmx/htmx-2.min.js"])
def test_collectstatic_writes_a_gzip_and_a_brotli_file_beside_each_asset(collected, path):
    url = _static_url(path).removeprefix("/static/")
    original = (collected / url).read_bytes()

    assert gzip.decompress((collected / f"{url}.gz").read_bytes()) == original
    assert brotli.decompress((collected / f"{url}.br").read_bytes()) == original
    assert (collected / f"{url}.br").stat().st_size < len(original) / 2


@pytest.mark.parametrize("path", ["css/lens.css", "css/teacher.css"])
def test_collectstatic_sends_lens_stylesheets_without_their_comments(collected, path):
    source = (Path(__file__).resolve().parent.parent / "static" / path).read_text()
    url = _static_url(path).removeprefix("/static/")
    sent = (collected / url).read_text()

    assert "/*" in source
    assert "/*" not in sent, sent[: sent.find("/*") + 200]
    assert ":root {" in sent or ".review-bar {" in sent
    assert len(sent) < len(source)


def test_collectstatic_sends_lens_script_without_its_comment_lines(collected):
    source = (Path(__file__).resolve().parent.parent / "static" / "js" / "highlight.js").read_text()
    sent = (collected / _static_url("js/highlight.js").removeprefix("/static/")).read_text()
    comments = [line for line in source.splitlines() if line.strip().startswith("//")]
    code = [line for line in source.splitlines() if not line.strip().startswith("//")]

    assert comments, "the script explains itself in comments"
    assert sent.splitlines() == code  # every line of code, in order, and nothing else


def test_a_script_with_a_template_literal_keeps_its_lines():
    from lens.staticfiles import without_comment_lines

    script = "const a = `one\n// not a comment\n`;\n// a comment\n"
    assert without_comment_lines(script) == script
    assert without_comment_lines("// a comment\nx();\n  // another\ny(); // kept\n") == (
        "x();\ny(); // kept\n"
    )


@pytest.mark.parametrize(
    ("accepts", "encoding"),
    [(BROWSER, "br"), ("gzip, deflate", "gzip"), ("", None)],
    ids=["brotli", "gzip", "identity"],
)
def test_whitenoise_serves_the_smallest_file_the_browser_accepts(collected, accepts, encoding):
    url = _static_url("css/lens.css")
    original = (collected / url.removeprefix("/static/")).read_bytes()

    response = Client().get(url, HTTP_ACCEPT_ENCODING=accepts)
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding]
    assert decode(body) == original
    if encoding:
        assert len(body) < len(original) / 2


def test_the_demo_script_collects_the_static_files():
    demo = (Path(__file__).resolve().parent.parent / "script/demo").read_text()
    collect = demo.index("manage.py collectstatic")
    assert collect < demo.index("manage.py runserver")
