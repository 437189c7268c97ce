"""Absurd input gets a 4xx and a message, never a 500, and saved work stays as it was."""

import pytest
from django.test import Client, modify_settings
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from lessons.work.models import Highlight, Submission

from . import factories

HUGE = 10**30


@pytest.fixture
def sam(client, world):
    client.force_login(world.sam)
    return world.sam


@pytest.mark.parametrize(
    "url",
    [
        f"/assignments/{HUGE}/",
        f"/assignments/{HUGE}/segments/1/",
        "/assignments/{pk}/segments/" + str(HUGE) + "/",
        "/assignments/{pk}/segments/40000/",
        "/assignments/{pk}/segments/0/",
        f"/classes/{HUGE}/",
        f"/assignments/{{pk}}/students/{HUGE}/",
    ],
)
def test_unknown_or_enormous_ids_are_not_found(client, world, sam, url):
    client.force_login(world.alice if "students" in url else sam)

    response = client.get(url.format(pk=world.assignment.pk))

    assert response.status_code == 404
    assert not Submission.objects.filter(student=sam, position__gt=2).exists()


def test_a_post_to_a_passage_that_does_not_exist_creates_no_work(client, world, sam):
    url = reverse("work:highlight_add", args=[world.assignment.pk, 99])

    response = client.post(url, {"quote": "traitors", "technique": 1})

    assert response.status_code == 404
    assert not Submission.objects.filter(student=sam).exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [(str(HUGE), str(HUGE + 5)), ("-3", "4"), ("abc", "4"), ("4", ""), ("10", "5")],
)
def test_nonsense_offsets_are_refused_with_a_message(client, world, sam, start, end):
    factories.make_highlight(world.assignment, sam, "glorious leader", "Loaded_Language")
    technique = world.assignment.lesson.taxonomy.techniques.get(code="Doubt")
    url = reverse("work:highlight_add", args=[world.assignment.pk, 1])

    response = client.post(
        url, {"quote": "traitors", "start": start, "end": end, "technique": technique.pk}
    )

    assert response.status_code == 400
    assert b'class="errors"' in response.content
    assert list(Highlight.objects.values_list("quote", flat=True)) == ["glorious leader"]


def test_an_enormous_technique_id_is_refused(client, world, sam):
    url = reverse("work:highlight_add", args=[world.assignment.pk, 1])

    response = client.post(url, {"quote": "glorious leader", "technique": str(HUGE)})

    assert response.status_code == 400
    assert b"Choose a technique from this lesson" in response.content
    assert not Highlight.objects.exists()


def test_an_unknown_highlight_is_not_found(client, world, sam):
    factories.make_highlight(world.assignment, sam, "glorious leader", "Loaded_Language")

    for name in ("highlight_edit", "highlight_delete"):
        response = client.post(reverse(f"work:{name}", args=[world.assignment.pk, HUGE]))
        assert response.status_code == 404
    assert Highlight.objects.count() == 1


def test_a_not_found_page_says_why_in_the_site_layout(client, world, sam):
    response = client.get(reverse("work:segment", args=[world.assignment.pk, 9]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "This lesson has no such passage." in page
    assert "Signed in as" in page


def test_a_request_too_large_gets_a_400_page(client, world, sam, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    url = reverse("work:answers_save", args=[world.assignment.pk, 1])

    response = client.post(url, {"answers": "1", "prompt-1": "x" * 5000})

    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_an_autosave_racing_save_and_continue_keeps_one_answer_with_the_last_text(world):
    """The autosave and "Save and continue" both find no answer and both create it: the
    second gets the database's refusal, and must update the first instead of failing (500)."""
    from lessons.work import services
    from lessons.work.models import Answer

    prompt = factories.prompt_of(world.assignment, 1, "text")
    submission = services.submission_for(assignment=world.assignment, student=world.sam)
    Answer.objects.create(submission=submission, prompt=prompt, text="From the autosave")

    answer = services._answer_create(submission, prompt, text="From Save and continue")

    assert Answer.objects.filter(submission=submission, prompt=prompt).count() == 1
    assert answer.text == "From Save and continue"
    assert Answer.objects.get(submission=submission, prompt=prompt).text == answer.text


# Characters no database stores: a NUL (PostgreSQL refuses it) and half of a surrogate pair
# (no encoding writes it). Each is refused with a message, what was typed comes back with
# the character shown as �, and what was saved before stays.

HTMX = {"HTTP_HX_REQUEST": "true"}
UNSTORABLE = "has a character that cannot be saved"


def _post(client, url, fields, **headers):
    """Post the form. A lone surrogate cannot be sent as UTF-8, but Django decodes a
    multipart form in the charset its client names: with `unicode_escape`, `\\ud800` in the
    body arrives as the lone half of a pair. Lens refuses a body in any charset but UTF-8
    before a view sees it (core.middleware, tests/test_request_bodies.py), so no surrogate
    comes in that way; without that guard, the forms' own check refuses it, as tested here."""
    if not any("\ud800" in str(value) for value in fields.values()):
        return client.post(url, fields, **headers)
    marked = {name: str(value).replace("\ud800", "LONE-HALF") for name, value in fields.items()}
    body = encode_multipart(BOUNDARY, marked).replace(b"LONE-HALF", b"\\ud800")
    with modify_settings(MIDDLEWARE={"remove": "core.middleware.RequestBodyGuard"}):
        unguarded = Client()  # its middleware is loaded now, without the guard
        unguarded.cookies = client.cookies
        return unguarded.post(
            url,
            body,
            # (quoted, or the test client would re-encode the body in that charset)
            content_type=f'multipart/form-data; boundary={BOUNDARY}; charset="unicode_escape"',
            **headers,
        )


def _answer_texts(world):
    from lessons.work.models import Answer

    return dict(Answer.objects.filter(submission__student=world.sam).values_list("prompt", "text"))


def _highlights(world):
    return list(
        Highlight.objects.filter(submission__student=world.sam)
        .order_by("pk")
        .values_list("technique__code", "start", "end", "quote", "note")
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Before\x00after", "Before\ufffdafter"),
        ("Before\ud800after", "Before\ufffdafter"),
    ],
    ids=["nul", "lone-surrogate"],
)
def test_an_answer_with_a_character_that_cannot_be_saved_is_refused(
    client, world, sam, typed, shown, htmx
):
    prompt = factories.prompt_of(world.assignment, 1, "text")
    factories.make_answer(world.assignment, sam, prompt, "Saved before.")
    url = reverse("work:answers_save", args=[world.assignment.pk, 1])
    fields = {"answers": "1", f"prompt-{prompt.pk}": typed, "go": "next"}

    response = _post(client, url, fields, **(HTMX if htmx else {}))

    page = response.content.decode()
    assert response.status_code == 400
    assert f"An answer {UNSTORABLE}" in page
    if htmx:
        assert page.lstrip().startswith('<div id="answers-status"')
    else:
        assert f">{shown}</textarea>" in page  # what was typed is not lost
    assert _answer_texts(world) == {prompt.pk: "Saved before."}


def test_an_answer_that_is_too_long_is_refused_with_the_limit(client, world, sam, settings):
    prompt = factories.prompt_of(world.assignment, 1, "text")
    factories.make_answer(world.assignment, sam, prompt, "Saved before.")
    url = reverse("work:answers_save", args=[world.assignment.pk, 1])
    typed = "x" * (settings.MAX_ANSWER_LENGTH + 1)

    page = client.post(url, {"answers": "1", f"prompt-{prompt.pk}": typed})
    fragment = client.post(url, {"answers": "1", f"prompt-{prompt.pk}": typed}, **HTMX)

    message = f"An answer is longer than {settings.MAX_ANSWER_LENGTH} characters."
    assert (page.status_code, fragment.status_code) == (400, 400)
    assert message in page.content.decode()
    assert f">{typed}</textarea>" in page.content.decode()
    assert message in fragment.content.decode()
    assert _answer_texts(world) == {prompt.pk: "Saved before."}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("character", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
def test_a_note_with_a_character_that_cannot_be_saved_is_refused(
    client, world, sam, character, htmx
):
    highlight = factories.make_highlight(world.assignment, sam, "glorious leader", note="Kept.")
    doubt = world.assignment.lesson.taxonomy.techniques.get(code="Doubt")
    before = _highlights(world)
    headers = HTMX if htmx else {}

    added = _post(
        client,
        reverse("work:highlight_add", args=[world.assignment.pk, 1]),
        {"quote": "always fail", "technique": doubt.pk, "note": f"Why{character}not"},
        **headers,
    )
    edited = _post(
        client,
        reverse("work:highlight_edit", args=[world.assignment.pk, highlight.pk]),
        {f"h{highlight.pk}-technique": doubt.pk, f"h{highlight.pk}-note": f"Why{character}not"},
        **headers,
    )

    for response in (added, edited):
        assert response.status_code == 400
        assert UNSTORABLE in response.content.decode()
    if not htmx:
        assert "Why\ufffdnot</textarea>" in added.content.decode()
    assert _highlights(world) == before


@pytest.mark.parametrize("character", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
def test_words_to_highlight_with_a_character_that_cannot_be_saved_are_refused(
    client, world, sam, character
):
    doubt = world.assignment.lesson.taxonomy.techniques.get(code="Doubt")
    url = reverse("work:highlight_add", args=[world.assignment.pk, 1])
    fields = {"quote": f"glorious{character}leader", "technique": doubt.pk}

    response = _post(client, url, fields)

    page = response.content.decode()
    assert response.status_code == 400
    assert UNSTORABLE in page
    assert "glorious\ufffdleader</textarea>" in page
    assert not Highlight.objects.exists()
