"""Importing a research-corpus article in the browser: who may, what becomes of it, and
line-numbered errors that import nothing."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lessons.library.models import KeySpan, Lesson

from .conftest import PERSONAS, log_in
from .html import assert_in_fragment, select, text

DATA = Path(__file__).resolve().parent / "data" / "corpus"
URL = reverse("authoring:author_import_corpus")


def _files(labels: str = "article8001.labels", article: bytes | None = None) -> dict:
    return {
        "article": SimpleUploadedFile(
            "article8001.txt", article or (DATA / "article8001.txt").read_bytes()
        ),
        "labels": SimpleUploadedFile("article8001.labels", (DATA / labels).read_bytes()),
    }


@pytest.mark.parametrize(
    ("persona", "expected"), list(zip(PERSONAS, (302, 404, 404, 200, 200), strict=True))
)
def test_only_teachers_reach_the_corpus_import(client, world, persona, expected):
    log_in(client, world, persona)
    before = Lesson.objects.count()

    page = client.get(URL)
    posted = client.post(URL, _files())

    assert page.status_code == expected
    if persona == "anonymous":
        assert page.url.startswith(reverse("core:login"))
    if expected == 200:
        assert posted.status_code == 302
        assert Lesson.objects.count() == before + 1
    else:
        assert posted.status_code == expected
        assert Lesson.objects.count() == before


def test_the_article_becomes_the_authors_draft_with_the_gold_labels_as_key(client, world):
    client.force_login(world.alice)

    response = client.post(URL, {**_files(), "author": "The Ministry (fictional)"}, follow=True)

    lesson = Lesson.objects.get(title="Freedonia Rejoices as the Grand Canal Opens 🎉")
    assert response.redirect_chain[-1][0] == reverse("authoring:author_lesson", args=[lesson.pk])
    assert (lesson.created_by, lesson.is_published) == (world.alice, False)
    assert lesson.taxonomy.slug == "semeval-2020" and lesson.author == "The Ministry (fictional)"
    keys = KeySpan.objects.filter(segment__lesson=lesson).select_related("segment")
    assert keys.count() >= 3
    for key in keys:
        assert key.segment.text[key.start : key.end] == key.quote
        assert key.explanation == ""  # left for the author
    assert_in_fragment(response.content, ".messages", "Write an explanation for each")
    # Importing it again gives a second draft with a free slug, not an error.
    client.post(URL, _files())
    slugs = sorted(Lesson.objects.filter(created_by=world.alice).values_list("slug", flat=True))
    assert len(set(slugs)) == 2


def test_bad_labels_are_listed_by_file_and_line_and_nothing_is_imported(client, world):
    client.force_login(world.alice)
    before = Lesson.objects.count()

    response = client.post(URL, _files("article8001-bad.labels"))

    assert response.status_code == 400
    page = response.content.decode()
    assert text(page, "[role=alert] p").startswith("Nothing was imported.")
    problems = [text(li, "code") for li in select(page, "[role=alert] .problems li")]
    where = {problem.partition(" ")[0] for problem in problems}
    assert {"article8001.labels:2:", "article8001.labels:4:"} <= where
    assert Lesson.objects.count() == before


def test_a_file_that_is_not_utf8_is_refused_clearly(client, world):
    client.force_login(world.alice)

    response = client.post(URL, _files(article="Caf\xe9 au lait".encode("latin-1")))

    assert response.status_code == 400
    assert_in_fragment(
        response.content, "[role=alert]", "article8001.txt: the file is not UTF-8 text."
    )
    assert not Lesson.objects.filter(created_by=world.alice).exists()


def test_missing_files_are_asked_for(client, world):
    client.force_login(world.alice)

    response = client.post(URL, {"title": "No files"})

    assert response.status_code == 400
    errors = [li.get_text() for li in select(response.content, "ul.errors li")]
    assert errors == ["This field is required."] * 2
