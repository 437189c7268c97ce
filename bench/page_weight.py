"""Bytes on the wire for a student's first visit to each passage of the demo lesson.

    .venv/bin/python bench/page_weight.py [--highlights 10]

The issue's target: "first visit to any seed passage with 10 highlights: at most 30 KB on the
wire (HTML, CSS, JS)". In a temporary SQLite database it loads the demo (`load_demo`: the
seed lesson of 20 passages, its class), collects the static files as production does
(`STATIC_MANIFEST=true`: hashed names, a .gz and a .br beside each), and for every passage
gives a new student of the demo class --highlights highlights on real words of that passage.
Then, as that student with an empty browser cache, it fetches the passage page and every
asset the page links (stylesheets, scripts, icon) with Chromium's `Accept-Encoding: gzip,
deflate, br, zstd`, through the whole middleware stack (GZipMiddleware for the page,
WhiteNoise's pre-compressed files for the assets), and adds up the bytes of the bodies as
sent (a student's page links lens.css alone: teacher.css is for teachers; both are collected
without their comments, lens/staticfiles.py). "HTML, CSS, JS" is the target's sum; the icon
and the response headers (as HTTP/1.1 would send them, cookies included; TLS framing not
counted) are shown beside it.
"HTML br" is the page compressed with brotli (quality 5, a server's usual on-the-fly level),
for comparison only: Lens sends pages gzipped (docs/deployment.md says why).
"""

import gzip
import os
import re
import sys
import tempfile
import warnings
from html.parser import HTMLParser
from pathlib import Path

import benchlib
import brotli

ROOT = benchlib.ROOT
BROWSER = "gzip, deflate, br, zstd"
TARGET_BYTES = 30 * 1024
NOTES = ["", "", "Makes the enemy sound evil.", "A big word for a small thing.", "Praise."]


class _Assets(HTMLParser):
    """The URLs a browser loads for a page: stylesheets, icons, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        rel = (a.get("rel") or "").split()
        if tag == "link" and a.get("href") and ("stylesheet" in rel or "icon" in rel):
            self.urls.append(("css" if "stylesheet" in rel else "icon", a["href"] or ""))
        elif tag == "script" and a.get("src"):
            self.urls.append(("js", a["src"] or ""))
        elif tag == "img" and a.get("src") and not (a["src"] or "").startswith("data:"):
            self.urls.append(("icon", a["src"] or ""))


def _header_bytes(response) -> int:
    lines = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    lines += [morsel.output(header="Set-Cookie:") for morsel in response.cookies.values()]
    return len(("\r\n".join(lines) + "\r\n\r\n").encode())


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def add_arguments(parser) -> None:
    parser.add_argument("--highlights", type=int, default=10, help="highlights per passage")


def measure(args) -> list[benchlib.Table]:
    folder = tempfile.TemporaryDirectory(prefix="lens-page-weight-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="lens.settings",
        DATABASE_URL=f"sqlite:///{folder.name}/bench.sqlite3",
        STATIC_MANIFEST="true",
        DEBUG="false",
        SECURE_HTTP_ONLY="true",
        LOG_LEVEL="ERROR",
    )
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")
    try:
        return _measure(args, Path(folder.name))
    finally:
        folder.cleanup()


def _measure(args, folder: Path) -> list[benchlib.Table]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from core.models import Classroom, Enrollment, User
    from lessons.library.anchoring import anchor_at
    from lessons.work import services
    from lessons.work.management.commands.load_demo import CLASS_NAME
    from lessons.work.models import Assignment

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STATIC_ROOT = folder / "static"
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    classroom = Classroom.objects.get(name=CLASS_NAME)
    assignment = Assignment.objects.filter(classroom=classroom).select_related("lesson").get()
    lesson = assignment.lesson
    techniques = list(lesson.taxonomy.techniques.order_by("pk"))

    table = benchlib.Table(
        "page-weight",
        [
            "passage",
            "highlights",
            "HTML bytes",
            "HTML gzip",
            benchlib.Column("HTML br", None),
            "CSS",
            "JS",
            "HTML + CSS + JS",
            "within 30 KB",
            "icon",
            "headers",
            "all",
        ],
    )
    rows = []
    for segment in lesson.segments.order_by("position"):
        student = User.objects.create(
            username=f"visitor-{segment.position}",
            display_name=f"Visitor {segment.position}",
            role=User.Role.STUDENT,
            password="!",
        )
        Enrollment.objects.create(classroom=classroom, student=student)
        submission = services.submission_for(assignment=assignment, student=student)
        spans = benchlib.word_runs(segment.text, args.highlights)
        for n, (start, end) in enumerate(spans):
            services.highlight_create(
                submission=submission,
                segment=segment,
                technique=techniques[(segment.position * 7 + n) % len(techniques)],
                anchor=anchor_at(segment.text, start, end),
                note=NOTES[n % len(NOTES)],
            )
        client = Client(HTTP_ACCEPT_ENCODING=BROWSER)
        client.force_login(student)
        page = client.get(reverse("work:segment", args=[assignment.pk, segment.position]))
        assert page.status_code == 200, page.status_code
        assert page.headers.get("Content-Encoding") == "gzip", page.headers
        html = gzip.decompress(page.content)
        parser = _Assets()
        parser.feed(html.decode())
        sizes = {"css": 0, "js": 0, "icon": 0}
        headers = _header_bytes(page)
        for kind, url in parser.urls:
            asset = client.get(url)
            assert asset.status_code == 200, (url, asset.status_code)
            sizes[kind] += len(_body(asset))
            headers += _header_bytes(asset)
        wire = len(page.content) + sizes["css"] + sizes["js"]
        rows.append(
            [
                len(spans),
                len(html),
                len(page.content),
                len(brotli.compress(html, quality=5)),
                sizes["css"],
                sizes["js"],
                wire,
                "yes" if wire <= TARGET_BYTES else "no",
                sizes["icon"],
                headers,
                wire + sizes["icon"] + headers,
            ]
        )
        table.add(segment.position, *rows[-1])
    largest = [max(column) for column in zip(*rows, strict=True)]
    largest[7] = "yes" if all(row[7] == "yes" for row in rows) else "no"
    table.add("largest", *largest)
    assets = ", ".join(re.sub(r"\.[0-9a-f]{12}\.", ".", url) for _, url in parser.urls)
    table.notes.append(
        f'Assets of every passage page: {assets}. "largest": the largest figure of each '
        'column over the 20 passages ("within 30 KB": yes only if every passage is).'
    )
    return [table]


if __name__ == "__main__":
    benchlib.main(measure, add_arguments)
