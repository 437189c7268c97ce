"""The student's exercise, end to end through the test client: read, highlight, answer,
hand in; with and without htmx."""

import re

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django.urls import reverse

from lessons.library.anchoring import CONTEXT_LENGTH
from lessons.library.models import Technique
from lessons.work.models import Answer, Highlight, Submission

from . import factories
from .html import assert_in_fragment, select, text

XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true"}
PANEL = {**HTMX, "HTTP_HX_TRIGGER": "selection-form"}  # htmx names the form that posts


@pytest.fixture
def sam(client, world):
    client.force_login(world.sam)
    return world.sam


def _segment(world, position=1):
    return world.assignment.lesson.segments.get(position=position)


def _technique(world, code):
    return world.assignment.lesson.taxonomy.techniques.get(code=code)


def _add_url(world, position=1):
    return reverse("work:highlight_add", args=[world.assignment.pk, position])


def _answers_url(world, position=1):
    return reverse("work:answers_save", args=[world.assignment.pk, position])


def _segment_url(world, position=1):
    return reverse("work:segment", args=[world.assignment.pk, position])


def _edit_url(world, highlight):
    return reverse("work:highlight_edit", args=[world.assignment.pk, highlight.pk])


def _delete_url(world, highlight):
    return reverse("work:highlight_delete", args=[world.assignment.pk, highlight.pk])


def _edit(client, world, highlight, technique, note, **headers):
    return client.post(
        _edit_url(world, highlight),
        {f"h{highlight.pk}-technique": technique.pk, f"h{highlight.pk}-note": note},
        **headers,
    )


def _highlights(world):
    return list(
        Highlight.objects.filter(submission__student=world.sam)
        .order_by("pk")
        .values_list("pk", "technique__code", "start", "end", "quote", "note")
    )


def _answers(world):
    return {
        a.prompt_id: (a.text, sorted(t.code for t in a.techniques.all()))
        for a in Answer.objects.filter(submission__student=world.sam)
    }


def test_the_assignment_page_shows_where_the_text_comes_from(client, world, sam):
    response = client.get(reverse("work:assignment", args=[world.assignment.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The Ministry of Truthiness (fictional)" in page
    assert "1 May 2024" in page
    assert "Freedonia" in page
    assert "Citizens of Freedonia" in page
    assert "Written for Lens tests." in page
    assert "The text comes in 2 passages" in page
    assert _segment_url(world, 1) in page


def test_a_segment_page_shows_the_passage_and_the_progress(client, world, sam):
    response = client.get(_segment_url(world, 1))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Passage 1 of 2" in page
    assert re.search(r'<progress[^>]*max="2"[^>]*value="1"', page)
    assert "Our glorious leader 😀 says the" in page
    assert "Who are &quot;the traitors&quot;?" in page
    assert 'id="workspace"' in page
    assert client.get(_segment_url(world, 3)).status_code == 404


def test_a_highlight_by_offsets_counts_code_points(client, world, sam):
    text = _segment(world).text
    start = text.index("traitors")
    end = start + len("traitors")
    assert text.index("😀") < start

    response = client.post(
        _add_url(world),
        {
            "quote": "traitors",
            "start": start,
            "end": end,
            "technique": _technique(world, "Name_Calling,Labeling").pk,
            "note": "A label, not an argument.",
        },
    )

    assert response.status_code == 302
    assert response.url == _segment_url(world) + "#highlights"
    highlight = Highlight.objects.get()
    assert (highlight.start, highlight.end, highlight.quote) == (start, end, "traitors")
    assert highlight.prefix == text[max(0, start - CONTEXT_LENGTH) : start]
    assert highlight.prefix.endswith("😀 says the ")
    assert highlight.suffix == text[end : end + CONTEXT_LENGTH]
    assert highlight.suffix.startswith(" will fail.")
    assert highlight.note == "A label, not an argument."
    assert highlight.submission.student == world.sam


def test_a_selection_is_trimmed_of_spaces_and_punctuation(client, world, sam):
    text = _segment(world).text
    start = text.index(" traitors will fail.")
    end = start + len(" traitors will fail. ")

    response = client.post(
        _add_url(world),
        {
            "quote": text[start:end],
            "start": start,
            "end": end,
            "technique": _technique(world, "Doubt").pk,
        },
    )

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert highlight.quote == "traitors will fail"
    assert (highlight.start, highlight.end) == (start + 1, start + 1 + len("traitors will fail"))


def test_a_highlight_by_a_typed_quote_alone(client, world, sam):
    text = _segment(world).text

    response = client.post(
        _add_url(world),
        {"quote": "  Glorious   LEADER ", "technique": _technique(world, "Loaded_Language").pk},
    )

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert highlight.start == text.index("glorious leader")
    assert highlight.end == highlight.start + len("glorious leader")
    assert highlight.quote == "glorious leader"
    assert highlight.prefix == "Our "
    assert highlight.suffix == text[highlight.end : highlight.end + CONTEXT_LENGTH]


def test_a_highlight_shows_in_the_text_with_its_technique(client, world, sam):
    client.post(
        _add_url(world),
        {"quote": "glorious leader", "technique": _technique(world, "Loaded_Language").pk},
    )
    highlight = Highlight.objects.get()

    page = client.get(_segment_url(world)).content.decode()

    assert re.search(
        rf'<mark class="[^"]*"[^>]*data-marks="highlight-{highlight.pk}"[^>]*>glorious leader'
        r'</mark><span class="hl-end"[^>]*><span class="visually-hidden">Highlight end: </span>'
        r'<span class="hl-label">Loaded language</span></span>',
        page,
    )
    assert select(page, "#highlights-heading")[0].get_text() == (
        "Your highlights in this passage (1)"
    )


def test_an_ambiguous_quote_asks_which_one_then_stores_the_chosen_one(client, world, sam):
    text = _segment(world).text
    labeling = _technique(world, "Name_Calling,Labeling").pk

    response = client.post(_add_url(world), {"quote": "traitors", "technique": labeling})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Which one do you mean" in page
    assert len(re.findall(r'<input type="radio" name="occurrence" value="[12]"', page)) == 2
    assert not Highlight.objects.exists()

    response = client.post(
        _add_url(world), {"quote": "traitors", "technique": labeling, "occurrence": 2}
    )

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    second = text.index("traitors", text.index("traitors") + 1)
    assert (highlight.start, highlight.end) == (second, second + len("traitors"))
    assert highlight.prefix.endswith("will fail. The ")


def test_the_same_words_and_technique_twice_are_refused_politely(client, world, sam):
    data = {"quote": "glorious leader", "technique": _technique(world, "Loaded_Language").pk}
    assert client.post(_add_url(world), data).status_code == 302

    response = client.post(_add_url(world), data)

    assert response.status_code == 409
    assert (
        "You have already highlighted “glorious leader” as Loaded language."
        in response.content.decode()
    )
    assert Highlight.objects.count() == 1
    assert "already highlighted" not in client.get(_segment_url(world)).content.decode()


def test_overlapping_highlights_with_different_techniques_are_allowed(client, world, sam):
    text = _segment(world).text
    start = text.index("glorious")
    end = text.index("leader") + len("leader")
    for quote, code in [
        ("glorious leader", "Loaded_Language"),
        ("glorious leader", "Exaggeration,Minimisation"),
        ("glorious", "Flag-Waving"),
    ]:
        response = client.post(
            _add_url(world), {"quote": quote, "technique": _technique(world, code).pk}
        )
        assert response.status_code == 302

    assert [(h[2], h[3]) for h in _highlights(world)] == [
        (start, end),
        (start, end),
        (start, start + len("glorious")),
    ]
    page = client.get(_segment_url(world)).content.decode()
    assert select(page, "#highlights-heading")[0].get_text() == (
        "Your highlights in this passage (3)"
    )
    assert "hl-depth-3" in page


def test_a_student_changes_the_technique_and_note_of_a_highlight(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")

    response = _edit(client, world, highlight, _technique(world, "Flag-Waving"), "Pride.")

    assert response.status_code == 302
    highlight.refresh_from_db()
    assert highlight.technique.code == "Flag-Waving"
    assert highlight.note == "Pride."
    assert highlight.quote == "glorious leader"


def test_changing_a_highlight_into_an_existing_one_is_refused(client, world, sam):
    factories.make_highlight(world.assignment, world.sam, "glorious leader", "Flag-Waving")
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    before = _highlights(world)

    response = _edit(client, world, highlight, _technique(world, "Flag-Waving"), "")

    assert response.status_code == 409
    assert _highlights(world) == before


def test_a_student_removes_a_highlight(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    keep = factories.make_highlight(world.assignment, world.sam, "traitors", occurrence=1)

    response = client.post(
        reverse("work:highlight_delete", args=[world.assignment.pk, highlight.pk])
    )

    assert response.status_code == 302
    assert list(Highlight.objects.values_list("pk", flat=True)) == [keep.pk]
    assert "Removed the highlight “glorious leader”." in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quote": "", "start": 0, "end": 500}, "That selection is outside this passage."),
        ({"quote": "", "start": 10, "end": 5}, "That selection is outside this passage."),
        ({"quote": "freedom fries"}, "“freedom fries” is not in this passage."),
        ({"quote": ""}, "Type or select the words you want to highlight."),
        ({"quote": "traitors", "occurrence": 3}, "That occurrence of the words does not exist."),
        ({"quote": "leader", "start": 4, "end": 12}, "The selected words do not match"),
        ({"quote": "glorious", "start": 4}, "Both ends of the selection are needed."),
        ({"quote": "", "start": 49, "end": 51}, "Select some words, not only spaces"),
    ],
    ids=[
        "beyond-end",
        "reversed",
        "not-in-text",
        "empty",
        "no-such-occurrence",
        "mismatch",
        "one-end",
        "only-punctuation",
    ],
)
def test_words_that_cannot_be_placed_are_refused(client, world, sam, data, message):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    before = _highlights(world)

    response = client.post(_add_url(world), {**data, "technique": _technique(world, "Doubt").pk})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _highlights(world) == before


def test_an_unknown_technique_is_refused(client, world, sam):
    for technique in ["999999", "not-a-number", ""]:
        response = client.post(
            _add_url(world), {"quote": "glorious leader", "technique": technique}
        )
        assert response.status_code == 400
    assert not Highlight.objects.exists()


def test_a_technique_from_another_taxonomy_is_refused(client, world, sam):
    foreign = Technique.objects.exclude(taxonomy=world.assignment.lesson.taxonomy).first()
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")

    added = client.post(
        _add_url(world), {"quote": "traitors", "occurrence": 1, "technique": foreign.pk}
    )
    edited = _edit(client, world, highlight, foreign, "")

    assert added.status_code == 400
    assert "Choose a technique from this lesson" in added.content.decode()
    assert edited.status_code == 400
    assert "Choose a technique from this lesson" in edited.content.decode()
    highlight.refresh_from_db()
    assert highlight.technique.code == "Loaded_Language"
    assert Highlight.objects.count() == 1


def test_a_note_that_is_too_long_is_refused_and_nothing_changes(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader", note="Ok")
    before = _highlights(world)
    too_long = "x" * (settings.MAX_NOTE_LENGTH + 1)

    added = client.post(
        _add_url(world),
        {
            "quote": "traitors",
            "occurrence": 1,
            "note": too_long,
            "technique": _technique(world, "Doubt").pk,
        },
    )
    edited = _edit(client, world, highlight, _technique(world, "Doubt"), too_long)

    assert added.status_code == 400
    assert f"at most {settings.MAX_NOTE_LENGTH} characters" in added.content.decode()
    assert edited.status_code == 400
    assert _highlights(world) == before


def test_a_note_of_the_maximum_length_is_kept(client, world, sam):
    note = "y" * settings.MAX_NOTE_LENGTH
    response = client.post(
        _add_url(world),
        {"quote": "glorious leader", "note": note, "technique": _technique(world, "Doubt").pk},
    )
    assert response.status_code == 302
    assert Highlight.objects.get().note == note


def test_answers_are_saved_once_per_prompt_and_updated(client, world, sam):
    text = factories.prompt_of(world.assignment, 1, "text")
    choose = factories.prompt_of(world.assignment, 1, "choose")
    loaded, doubt = _technique(world, "Loaded_Language"), _technique(world, "Doubt")

    response = client.post(
        _answers_url(world),
        {
            "answers": "1",
            f"prompt-{text.pk}": "People who disagree.",
            f"prompt-{choose.pk}": [loaded.pk, doubt.pk],
            "go": "stay",
        },
    )
    assert response.status_code == 302
    assert _answers(world) == {
        text.pk: ("People who disagree.", []),
        choose.pk: ("", ["Doubt", "Loaded_Language"]),
    }

    client.post(
        _answers_url(world),
        {"answers": "1", f"prompt-{text.pk}": "Opponents.", f"prompt-{choose.pk}": [loaded.pk]},
    )
    assert Answer.objects.count() == 2
    assert _answers(world) == {
        text.pk: ("Opponents.", []),
        choose.pk: ("", ["Loaded_Language"]),
    }

    page = client.get(_segment_url(world)).content.decode()
    assert ">Opponents.</textarea>" in page
    assert re.search(rf'value="{loaded.pk}" checked', page)
    assert not re.search(rf'value="{doubt.pk}" checked', page)


def test_unticking_every_box_clears_the_choice(client, world, sam):
    choose = factories.prompt_of(world.assignment, 1, "choose")
    factories.make_answer(world.assignment, world.sam, choose, technique_codes=("Doubt",))

    response = client.post(_answers_url(world), {"answers": "1"})

    assert response.status_code == 302
    assert _answers(world)[choose.pk] == ("", [])


def test_a_prompt_of_another_segment_or_lesson_is_refused(client, world, sam):
    mine = factories.prompt_of(world.assignment, 1, "text")
    factories.make_answer(world.assignment, world.sam, mine, "Kept.")
    second_segment = factories.prompt_of(world.assignment, 2, "text")
    other_lesson = factories.prompt_of(factories.make_assignment(world.class_b), 1, "text")

    for prompt in (second_segment, other_lesson):
        response = client.post(
            _answers_url(world),
            {"answers": "1", f"prompt-{mine.pk}": "Changed.", f"prompt-{prompt.pk}": "Sneaky."},
        )
        assert response.status_code == 400
        assert "not part of this passage" in response.content.decode()

    assert _answers(world) == {mine.pk: ("Kept.", [])}


def test_a_choice_outside_the_lessons_techniques_is_refused(client, world, sam):
    choose = factories.prompt_of(world.assignment, 1, "choose")
    foreign = Technique.objects.exclude(taxonomy=world.assignment.lesson.taxonomy).first()

    response = client.post(_answers_url(world), {"answers": "1", f"prompt-{choose.pk}": foreign.pk})

    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_an_answer_that_is_too_long_is_refused_but_not_lost(client, world, sam):
    text = factories.prompt_of(world.assignment, 1, "text")
    factories.make_answer(world.assignment, world.sam, text, "My first answer.")
    typed = "Long answer " + "word " * (settings.MAX_ANSWER_LENGTH // 5) + "THE END"
    assert len(typed) > settings.MAX_ANSWER_LENGTH

    response = client.post(_answers_url(world), {"answers": "1", f"prompt-{text.pk}": typed})

    page = response.content.decode()
    assert response.status_code == 400
    assert f"longer than {settings.MAX_ANSWER_LENGTH} characters" in page
    assert typed in page
    assert _answers(world) == {text.pk: ("My first answer.", [])}


def test_an_answer_at_the_limit_with_line_breaks_is_accepted(client, world, sam):
    # The browser's maxlength counts a line break as one character, but a submitted form
    # sends it as CRLF.
    text = factories.prompt_of(world.assignment, 1, "text")
    lines = ["x" * 99] * 50
    typed = "\n".join(lines)
    assert len(typed) <= settings.MAX_ANSWER_LENGTH

    response = client.post(
        _answers_url(world), {"answers": "1", f"prompt-{text.pk}": "\r\n".join(lines)}
    )

    assert response.status_code == 302
    assert Answer.objects.get(prompt=text).text.replace("\r\n", "\n") == typed


def test_a_note_at_the_limit_with_line_breaks_is_accepted(client, world, sam):
    lines = ["y" * 99] * 20
    assert len("\n".join(lines)) <= settings.MAX_NOTE_LENGTH

    response = client.post(
        _add_url(world),
        {
            "quote": "glorious leader",
            "note": "\r\n".join(lines),
            "technique": _technique(world, "Doubt").pk,
        },
    )

    assert response.status_code == 302
    assert Highlight.objects.get().note.replace("\r\n", "\n") == "\n".join(lines)


def test_save_and_continue_goes_to_the_next_passage(client, world, sam):
    text = factories.prompt_of(world.assignment, 1, "text")

    response = client.post(
        _answers_url(world), {"answers": "1", f"prompt-{text.pk}": "Them.", "go": "next"}
    )

    assert response.status_code == 302
    assert response.url == _segment_url(world, 2)
    assert _answers(world)[text.pk] == ("Them.", [])
    last = client.post(_answers_url(world, 2), {"answers": "1", "go": "review"})
    assert last.url == reverse("work:submit", args=[world.assignment.pk])


def test_the_student_resumes_where_they_left_off(client, world, sam):
    """Reading passages changes nothing; saving or moving on with the passage's form (and
    the autosave) records where the student is and how far they got."""
    assignment_url = reverse("work:assignment", args=[world.assignment.pk])
    assert "Start reading" in client.get(assignment_url).content.decode()

    client.get(_segment_url(world, 1))
    client.get(_segment_url(world, 2))
    assert not Submission.objects.filter(student=world.sam).exists()
    assert "Start reading" in client.get(assignment_url).content.decode()

    client.post(_answers_url(world, 1), {"answers": "1", "go": "next"})  # Save and continue
    submission = Submission.objects.get(student=world.sam)
    assert (submission.position, submission.reached) == (2, 2)
    assert "Continue at passage 2" in client.get(assignment_url).content.decode()

    client.post(_answers_url(world, 2), {"answers": "1", "go": "previous"})  # Save and go back
    submission.refresh_from_db()
    assert (submission.position, submission.reached) == (1, 2)
    page = client.get(assignment_url).content.decode()
    assert "Continue at passage 1" in page
    assert "0 of 2 passages done, 2 read only" in page  # clicking through is no work

    text = factories.prompt_of(world.assignment, 2, "text")
    client.post(_answers_url(world, 2), {"answers": "1", f"prompt-{text.pk}": "No."}, **HTMX)
    submission.refresh_from_db()
    assert (submission.position, submission.reached) == (2, 2)  # the autosave, on passage 2


def test_the_review_counts_highlights_and_unanswered_questions(client, world, sam):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    factories.make_highlight(world.assignment, world.sam, "Everyone", "Doubt", position=2)
    factories.make_answer(
        world.assignment, world.sam, factories.prompt_of(world.assignment, 1, "text"), "Them."
    )

    response = client.get(reverse("work:submit", args=[world.assignment.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2 highlights</strong>" in page
    assert "<strong>2 questions</strong> are still unanswered" in page
    assert not Submission.objects.get(student=world.sam).is_submitted


def test_a_chosen_technique_counts_as_an_answer_in_the_review(client, world, sam):
    for position, kind, kwargs in [
        (1, "text", {"text": "Them."}),
        (1, "choose", {"technique_codes": ("Doubt",)}),
        (2, "text", {"text": "No."}),
    ]:
        prompt = factories.prompt_of(world.assignment, position, kind)
        factories.make_answer(world.assignment, world.sam, prompt, **kwargs)

    page = client.get(reverse("work:submit", args=[world.assignment.pk])).content.decode()

    assert "and answered every question" in page


def test_a_cleared_answer_counts_as_unanswered_in_the_review(client, world, sam):
    text = factories.prompt_of(world.assignment, 1, "text")
    choose = factories.prompt_of(world.assignment, 1, "choose")
    factories.make_answer(world.assignment, world.sam, text, "Them.")
    factories.make_answer(world.assignment, world.sam, choose, technique_codes=("Doubt",))
    url = reverse("work:submit", args=[world.assignment.pk])
    assert "<strong>1 question</strong> is still unanswered" in client.get(url).content.decode()

    doubt = _technique(world, "Doubt").pk
    client.post(
        _answers_url(world),
        {"answers": "1", f"prompt-{text.pk}": "  ", f"prompt-{choose.pk}": doubt},
    )
    assert _answers(world) == {text.pk: ("", []), choose.pk: ("", ["Doubt"])}
    assert "<strong>2 questions</strong> are still unanswered" in client.get(url).content.decode()

    client.post(_answers_url(world), {"answers": "1", f"prompt-{text.pk}": ""})
    assert _answers(world) == {text.pk: ("", []), choose.pk: ("", [])}
    assert "<strong>3 questions</strong> are still unanswered" in client.get(url).content.decode()


def test_handing_in_locks_the_work_and_a_second_hand_in_is_refused(client, world, sam):
    url = reverse("work:submit", args=[world.assignment.pk])
    client.get(_segment_url(world, 1))

    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("work:assignment", args=[world.assignment.pk])
    submission = Submission.objects.get(student=world.sam)
    submitted_at = submission.submitted_at
    assert submitted_at is not None
    assert "You handed this lesson in on" in client.get(response.url).content.decode()

    again = client.post(url)

    assert again.status_code == 409
    assert "Already handed in" in again.content.decode()
    submission.refresh_from_db()
    assert submission.submitted_at == submitted_at


def test_after_handing_in_nothing_can_change(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    text = factories.prompt_of(world.assignment, 1, "text")
    factories.make_answer(world.assignment, world.sam, text, "Before.")
    client.post(reverse("work:submit", args=[world.assignment.pk]))
    highlights, answers = _highlights(world), _answers(world)

    responses = [
        client.post(
            _add_url(world),
            {"quote": "traitors", "occurrence": 1, "technique": _technique(world, "Doubt").pk},
        ),
        _edit(client, world, highlight, _technique(world, "Doubt"), "After."),
        client.post(reverse("work:highlight_delete", args=[world.assignment.pk, highlight.pk])),
        client.post(_answers_url(world), {"answers": "1", f"prompt-{text.pk}": "After."}),
        client.post(
            _add_url(world),
            {"quote": "traitors", "occurrence": 1, "technique": _technique(world, "Doubt").pk},
            **HTMX,
        ),
        client.post(_answers_url(world), {"answers": "1", f"prompt-{text.pk}": "After."}, **HTMX),
    ]

    assert [r.status_code for r in responses] == [409] * 6
    for response in responses:
        assert "already handed this lesson in" in response.content.decode()
    assert _highlights(world) == highlights
    assert _answers(world) == answers
    page = client.get(_segment_url(world)).content.decode()
    assert 'id="highlight-form"' not in page
    assert 'id="selection-panel"' not in page
    assert "Alt+Shift+H" not in page
    assert "can no longer be changed" in page


def _piece(world, words: str = "Our") -> str:
    """The id of the piece of the first passage's text that holds `words` (the page draws
    the text in pieces, and an htmx answer swaps only those its highlight's words are in)."""
    segment = world.assignment.lesson.segments.get(position=1)
    page = Client()
    page.force_login(world.sam)
    html = page.get(_segment_url(world)).content.decode()
    [piece] = [
        p["id"]
        for p in select(html, f"#segment-text span[id^=words-{segment.pk}-]")
        if words in p.get_text()
    ]
    return piece


def _parts(html) -> list[tuple[str, str | None, str | None]]:
    """The elements an htmx answer is made of, in order: (tag, id, data-hx-swap-oob)."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (t.name, t.get("id"), t.get("data-hx-swap-oob")) for t in soup.find_all(recursive=False)
    ]


def test_an_htmx_save_answers_with_the_message_the_new_item_and_the_text_alone(client, world, sam):
    loaded = _technique(world, "Loaded_Language")
    later = factories.make_highlight(world.assignment, world.sam, "traitors", "Doubt", occurrence=1)

    response = client.post(
        _add_url(world), {"quote": "glorious leader", "technique": loaded.pk}, **HTMX
    )

    html = response.content.decode()
    new = Highlight.objects.get(quote="glorious leader")
    piece = _piece(world, "glorious leader")
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#workspace-status", "innerHTML")
    assert _parts(html) == [
        ("p", None, None),  # the message, into the status
        ("span", piece, "innerHTML"),  # the piece of the text its words are in
        ("ul", None, f"beforebegin:#highlight-{later.pk}"),  # the list's order: by place
        ("span", "highlight-count", "true"),
        ("p", "highlights-none", "true"),
    ]
    assert text(html, "p.message") == "Highlighted “glorious leader” as Loaded language."
    assert text(html, f"#{piece} mark[data-marks=highlight-{new.pk}]") == "glorious leader"
    assert text(html, f"#{piece} mark[data-marks=highlight-{later.pk}]") == "traitors"
    assert_in_fragment(html, f"ul > li#highlight-{new.pk}", "glorious leader — Loaded language")
    [change] = select(html, f"#highlight-{new.pk} a[data-hx-get]")
    assert change["href"] == change["data-hx-get"] == _edit_url(world, new)
    assert text(html, "#highlight-count") == "2"
    assert select(html, "#highlights-none")[0].has_attr("hidden")
    # Nothing about the other highlight but its mark; no technique list, no other form.
    assert f'id="highlight-{later.pk}"' not in html
    assert "<select" not in html
    assert "<form" not in html
    [remove] = select(html, f"#highlight-{new.pk} button")  # posts the page's one form
    assert remove["form"] == "remove-highlight"
    assert remove["formaction"] == remove["data-hx-post"] == _delete_url(world, new)
    assert "<html" not in html.lower()


def test_an_htmx_save_draws_again_only_the_piece_of_the_text_its_words_are_in(client, world, sam):
    across = factories.make_highlight(world.assignment, world.sam, "will fail. The traitors")
    factories.make_highlight(world.assignment, world.sam, "glorious leader")

    response = client.post(
        _add_url(world), {"quote": "always", "technique": _technique(world, "Doubt").pk}, **HTMX
    )

    html = response.content.decode()
    piece = _piece(world, "always")
    assert [part for part in _parts(html) if part[0] == "span"][:1] == [
        ("span", piece, "innerHTML")
    ]
    # The highlight over both pieces goes on in this one, where it ends; the one before is
    # not drawn: its piece stays as it is on the page.
    assert text(html, f"#{piece} mark[data-marks=highlight-{across.pk}]") == "The traitors"
    assert "Highlight start: Loaded language" not in html
    assert text(html, f"#{piece} [data-marks=highlight-{across.pk}] + .hl-end") == (
        "Highlight end: Loaded language"
    )
    assert "glorious" not in html


def test_a_highlight_after_the_others_goes_last_in_the_list(client, world, sam):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")

    response = client.post(
        _add_url(world),
        {"quote": "always fail", "technique": _technique(world, "Doubt").pk},
        **HTMX,
    )

    assert ("ul", None, "beforeend:#highlight-list") in _parts(response.content)
    assert text(response.content, "#highlight-count") == "2"


def test_a_plain_post_gets_a_redirect_to_the_page_with_its_message(client, world, sam):
    response = client.post(
        _add_url(world),
        {"quote": "traitors", "occurrence": 2, "technique": _technique(world, "Doubt").pk},
    )

    assert response.status_code == 302
    assert response.url == _segment_url(world) + "#highlights"
    page = client.get(response.url).content.decode()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert_in_fragment(page, "#messages", "Highlighted “traitors” as Doubt.")
    assert_in_fragment(page, "#highlight-list", "traitors — Doubt")


def test_an_htmx_change_answers_with_the_changed_item_and_the_text(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    other = factories.make_highlight(world.assignment, world.sam, "traitors", occurrence=1)
    doubt = _technique(world, "Doubt")

    response = _edit(client, world, highlight, doubt, "Hmm.", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#workspace-status", "innerHTML")
    piece = _piece(world, "glorious leader")
    assert _parts(html) == [
        ("p", None, None),
        ("span", piece, "innerHTML"),
        ("li", f"highlight-{highlight.pk}", "true"),
    ]
    assert text(html, "p.message") == "Changed the highlight “glorious leader”."
    assert_in_fragment(html, f"#highlight-{highlight.pk}", "glorious leader — Doubt", "Hmm.")
    assert text(html, f"#{piece} [data-marks=highlight-{highlight.pk}] + .hl-end") == (
        "Highlight end: Doubt"
    )
    assert f'id="highlight-{other.pk}"' not in html
    assert "<select" not in html


def test_an_htmx_removal_answers_with_the_text_and_the_item_to_remove(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    delete = reverse("work:highlight_delete", args=[world.assignment.pk, highlight.pk])

    response = client.post(delete, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#workspace-status", "innerHTML")
    assert _parts(html) == [
        ("p", None, None),
        ("span", _piece(world, "glorious leader"), "innerHTML"),
        ("li", f"highlight-{highlight.pk}", "delete"),
        ("span", "highlight-count", "true"),
        ("p", "highlights-none", "true"),
    ]
    assert text(html, "p.message") == "Removed the highlight “glorious leader”."
    assert "<mark" not in html
    assert text(html, "#highlight-count") == "0"
    assert not select(html, "#highlights-none")[0].has_attr("hidden")
    assert not Highlight.objects.exists()


def test_the_form_that_changes_a_highlight_comes_when_asked_for(client, world, sam):
    highlight = factories.make_highlight(
        world.assignment, world.sam, "glorious leader", note="Awe."
    )
    factories.make_highlight(world.assignment, world.sam, "traitors", occurrence=1)
    before = _highlights(world)
    url = _edit_url(world, highlight)

    page = client.get(_segment_url(world)).content.decode()
    opened = client.get(url, **HTMX)
    closed = client.get(f"{url}?cancel", **HTMX)

    # The page: a Change link for each highlight, no form to change one.
    assert [a["href"] for a in select(page, "#highlight-list a")] == [
        _edit_url(world, h) for h in Highlight.objects.order_by("start")
    ]
    assert not select(page, "#highlight-list").pop().select("select, textarea")
    # With htmx: the item with the form, in place of the item; Cancel: the item again.
    assert opened.status_code == 200
    assert (opened["HX-Retarget"], opened["HX-Reswap"]) == (
        f"#highlight-{highlight.pk}",
        "outerHTML",
    )
    html = opened.content.decode()
    assert _parts(html) == [("li", f"highlight-{highlight.pk}", None)]
    [form] = select(html, "form.editor")
    assert form["action"] == form["data-hx-post"] == url
    [technique] = select(html, f"#id_h{highlight.pk}-technique")
    assert technique.has_attr("autofocus")  # htmx gives it the focus
    assert text(html, f"#id_h{highlight.pk}-technique option[selected]") == "Loaded language"
    assert text(html, f"#id_h{highlight.pk}-note") == "Awe."
    assert select(html, "a:-soup-contains('Cancel')")[0]["data-hx-get"] == f"{url}?cancel"
    assert closed.status_code == 200
    assert closed["HX-Retarget"] == f"#highlight-{highlight.pk}"
    assert not select(closed.content, "li").pop().select("form.editor")
    assert select(closed.content, f"a[href='{url}']")[0].has_attr("autofocus")
    assert _highlights(world) == before  # reading changes nothing


def test_without_javascript_the_change_link_opens_the_page_with_the_form(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    other = factories.make_highlight(world.assignment, world.sam, "traitors", occurrence=1)
    url = _edit_url(world, highlight)

    page = client.get(url)
    cancel = client.get(f"{url}?cancel")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.lstrip().lower().startswith("<!doctype html>")
    [form] = select(html, f"#highlight-{highlight.pk} form.editor")
    assert form["action"] == url
    assert not select(html, f"#highlight-{other.pk}").pop().select("form.editor")
    [back] = select(html, f"#highlight-{highlight.pk} a:-soup-contains('Cancel')")
    assert back["href"] == _segment_url(world) + f"#highlight-{highlight.pk}"
    assert cancel.status_code == 302
    assert cancel.url == back["href"]
    # Posting it: the page again, with the message.
    response = _edit(client, world, highlight, _technique(world, "Doubt"), "Hmm.")
    assert response.status_code == 302
    assert_in_fragment(client.get(response.url).content, "#messages", "Changed the highlight")


def test_without_javascript_remove_posts_the_pages_form_to_the_highlight(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sam)
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    keep = factories.make_highlight(world.assignment, world.sam, "always fail", "Doubt")

    page = client.get(_segment_url(world)).content.decode()
    [form] = select(page, "form#remove-highlight")
    [button] = select(page, f"#highlight-{highlight.pk} button:-soup-contains('Remove')")
    assert button["form"] == form["id"]
    fields = {tag["name"]: tag["value"] for tag in form.select("input")}
    response = client.post(button["formaction"], fields)  # what the browser sends

    assert list(fields) == ["csrfmiddlewaretoken"]
    assert response.status_code == 302
    assert list(Highlight.objects.values_list("pk", flat=True)) == [keep.pk]


def test_a_refused_change_comes_back_in_its_item_with_what_was_typed(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    foreign = Technique.objects.exclude(taxonomy=world.assignment.lesson.taxonomy).first()

    with_htmx = _edit(client, world, highlight, foreign, "My reason.", **HTMX)
    plain = _edit(client, world, highlight, foreign, "My reason.")

    assert with_htmx.status_code == 400
    assert with_htmx["HX-Retarget"] == f"#highlight-{highlight.pk}"
    assert_in_fragment(with_htmx.content, "form.editor", "Choose a technique from this lesson")
    assert text(with_htmx.content, f"#id_h{highlight.pk}-note") == "My reason."
    assert plain.status_code == 400
    html = plain.content.decode()
    assert_in_fragment(
        html, f"#highlight-{highlight.pk} form.editor", "Choose a technique from this lesson"
    )
    assert text(html, f"#id_h{highlight.pk}-note") == "My reason."
    highlight.refresh_from_db()
    assert (highlight.technique.code, highlight.note) == ("Loaded_Language", "")


def test_the_page_holds_the_technique_list_once(client, world, sam):
    for quote, code in [("glorious leader", "Loaded_Language"), ("always fail", "Doubt")]:
        factories.make_highlight(world.assignment, world.sam, quote, code)
    techniques = world.assignment.lesson.taxonomy.techniques.all()

    page = client.get(_segment_url(world)).content.decode()

    # The form below the text has it, the panel's and no highlight's: they have none.
    assert [tag["id"] for tag in select(page, "#workspace select")] == [
        "panel-technique",
        "id_technique",
    ]
    for technique in techniques:
        assert page.count(f'<option value="{technique.pk}"') == 1
    # The panel's: its first choice alone, until highlight.js copies the others.
    assert [o.get_text() for o in select(page, "#selection-form option")] == ["Choose a technique…"]


def test_htmx_errors_return_the_partial_with_a_4xx_status(client, world, sam):
    loaded = _technique(world, "Loaded_Language").pk
    factories.make_highlight(world.assignment, world.sam, "glorious leader")

    not_found = client.post(_add_url(world), {"quote": "kittens", "technique": loaded}, **HTMX)
    duplicate = client.post(
        _add_url(world), {"quote": "glorious leader", "technique": loaded}, **HTMX
    )
    ambiguous = client.post(_add_url(world), {"quote": "traitors", "technique": loaded}, **HTMX)

    for response, status in [(not_found, 400), (duplicate, 409), (ambiguous, 400)]:
        html = response.content.decode()
        assert response.status_code == status
        assert 'id="workspace"' in html
        assert "<html" not in html
    assert "“kittens” is not in this passage" in not_found.content.decode()
    assert "You have already highlighted" in duplicate.content.decode()
    assert "Which one do you mean" in ambiguous.content.decode()
    assert Highlight.objects.count() == 1


def test_htmx_answers_return_the_save_status(client, world, sam):
    text = factories.prompt_of(world.assignment, 1, "text")

    saved = client.post(_answers_url(world), {"answers": "1", f"prompt-{text.pk}": "Them."}, **HTMX)
    too_long = "z" * (settings.MAX_ANSWER_LENGTH + 1)
    refused = client.post(
        _answers_url(world), {"answers": "1", f"prompt-{text.pk}": too_long}, **HTMX
    )

    html = saved.content.decode()
    assert saved.status_code == 200
    assert html.lstrip().startswith('<div id="answers-status"')
    assert "Saved" in html
    assert "<html" not in html
    assert refused.status_code == 400
    assert 'id="answers-status"' in refused.content.decode()
    assert "longer than" in refused.content.decode()
    assert "Saved" not in refused.content.decode()
    assert _answers(world) == {text.pk: ("Them.", [])}


def test_every_htmx_answer_says_where_it_goes_whatever_its_status(client, world, sam):
    loaded = _technique(world, "Loaded_Language").pk
    text = factories.prompt_of(world.assignment, 1, "text")

    saved = client.post(_add_url(world), {"quote": "glorious leader", "technique": loaded}, **HTMX)
    not_found = client.post(_add_url(world), {"quote": "kittens", "technique": loaded}, **HTMX)
    again = client.post(_add_url(world), {"quote": "glorious leader", "technique": loaded}, **HTMX)
    too_long = "z" * (settings.MAX_ANSWER_LENGTH + 1)
    answer = client.post(
        _answers_url(world), {"answers": "1", f"prompt-{text.pk}": too_long}, **HTMX
    )
    plain = client.post(_add_url(world), {"quote": "kittens", "technique": loaded})

    # django-htmx's debug script (DEBUG only) takes a 400 or 404 for an error page unless the
    # answer says where it goes: static/js/highlight.js lets htmx put these in place.
    assert saved.status_code == 200
    assert (saved["HX-Retarget"], saved["HX-Reswap"]) == ("#workspace-status", "innerHTML")
    for response, status in [(not_found, 400), (again, 409)]:
        assert response.status_code == status
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#workspace", "outerHTML")
    assert answer.status_code == 400
    assert (answer["HX-Retarget"], answer["HX-Reswap"]) == ("#answers-status", "outerHTML")
    assert plain.status_code == 400
    assert "HX-Retarget" not in plain


# The selection panel ---------------------------------------------------------------------


def test_the_selection_panel_is_the_highlight_form_again_posting_to_the_same_view(
    client, world, sam
):
    page = client.get(_segment_url(world)).content.decode()

    [panel] = select(page, "#selection-panel")
    [panel_form] = select(page, "#selection-panel form#selection-form")
    [below] = select(page, "form#highlight-form")
    assert panel["popover"] == "manual"
    assert panel["role"] == "dialog"
    assert panel.has_attr("hidden")  # until highlight.js opens it next to selected words
    assert text(page, "#selection-panel-heading") == "Highlight the selection"
    for form in (panel_form, below):
        assert form["action"] == form["data-hx-post"] == _add_url(world)
        names = {field["name"] for field in form.select("[name]")}
        assert names >= {"quote", "start", "end", "occurrence", "technique", "note"}
    ids = [tag["id"] for tag in panel_form.select("[id]")]
    assert ids and all(i.startswith(("panel-", "selection-")) for i in ids), ids
    assert [b.get_text() for b in panel_form.select("button")] == ["Save", "Cancel"]
    [words] = select(page, "[data-segment-text]")
    assert words["tabindex"] == "0"
    assert words["aria-keyshortcuts"] == "Alt+Shift+H"
    assert words["aria-describedby"] == "selection-help"
    assert_in_fragment(page, "#selection-help", "select them", "F7", "Alt + Shift + H")


def test_a_highlight_saved_in_the_panel_is_stored_as_from_the_form_below(client, world, sam):
    start = _segment(world).text.index("traitors")
    name_calling = _technique(world, "Name_Calling,Labeling")

    response = client.post(
        _add_url(world),
        {
            "quote": "traitors",
            "start": start,
            "end": start + len("traitors"),
            "technique": name_calling.pk,
            "note": "A label.",
        },
        **PANEL,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#workspace-status"
    assert text(response.content, "p.message") == (
        "Highlighted “traitors” as Name calling / labelling."
    )
    [(_, code, *stored)] = _highlights(world)
    assert (code, *stored) == (
        "Name_Calling,Labeling",
        start,
        start + len("traitors"),
        "traitors",
        "A label.",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quote": "glorious leader", "start": 4, "end": 19}, "This field is required."),
        ({"quote": "kittens", "start": 4, "end": 11, "technique": "Doubt"}, "do not match"),
    ],
    ids=["no-technique", "words-not-there"],
)
def test_a_refusal_in_the_panel_comes_back_in_the_panel(client, world, sam, data, message):
    if "technique" in data:
        data = {**data, "technique": _technique(world, data["technique"]).pk}

    response = client.post(_add_url(world), {**data, "note": "My reason."}, **PANEL)

    html = response.content.decode()
    assert response.status_code == 400
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#selection-panel", "innerHTML")
    assert html.lstrip().startswith('<form id="selection-form"')
    assert 'id="workspace"' not in html
    assert_in_fragment(html, "#selection-form", message)
    assert text(html, "[data-selection-quote]") == data["quote"]
    assert text(html, "#panel-note") == "My reason."
    assert 'id="id_' not in html
    assert not Highlight.objects.exists()


def test_a_refused_duplicate_in_the_panel_comes_back_in_the_panel(client, world, sam):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    before = _highlights(world)
    loaded = _technique(world, "Loaded_Language")

    response = client.post(
        _add_url(world),
        {
            "quote": "glorious leader",
            "start": 4,
            "end": 19,
            "technique": loaded.pk,
            "note": "Again",
        },
        **PANEL,
    )

    assert response.status_code == 409
    assert response["HX-Retarget"] == "#selection-panel"
    assert_in_fragment(
        response.content,
        "#selection-form [role=alert]",
        "You have already highlighted “glorious leader” as Loaded language.",
    )
    assert text(response.content, "#panel-note") == "Again"
    assert _highlights(world) == before


def test_a_post_without_a_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sam)
    client.get(_segment_url(world))

    response = client.post(
        _add_url(world),
        {"quote": "glorious leader", "technique": _technique(world, "Loaded_Language").pk},
    )

    assert response.status_code == 403
    assert not Highlight.objects.exists()


def test_a_post_with_the_token_from_hx_headers_succeeds(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sam)
    page = client.get(_segment_url(world)).content.decode()
    token = re.search(r"data-hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)

    response = client.post(
        _add_url(world),
        {"quote": "glorious leader", "technique": _technique(world, "Loaded_Language").pk},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )

    assert response.status_code == 200
    assert 'data-marks="highlight-' in response.content.decode()
    assert Highlight.objects.count() == 1


def _pages(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    anonymous = Client()
    yield anonymous.get(reverse("work:home"))
    yield anonymous.get(reverse("core:login"))
    yield anonymous.get(reverse("core:join"))
    yield anonymous.get(reverse("library:taxonomy", args=["semeval-2020"]))
    client.force_login(world.sam)
    yield client.get(reverse("work:home"))
    yield client.get(reverse("work:assignment", args=[world.assignment.pk]))
    yield client.get(_segment_url(world))
    yield client.get(reverse("work:submit", args=[world.assignment.pk]))
    client.force_login(world.alice)
    yield client.get(reverse("work:classroom", args=[world.class_a.pk]))
    yield client.get(reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk]))


def test_every_page_has_a_strict_content_security_policy(client, world):
    for response in _pages(client, world):
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_pages_have_no_inline_scripts(client, world):
    for response in _pages(client, world):
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html, re.IGNORECASE)
        assert scripts
        assert all(re.search(r"\bsrc=", tag) for tag in scripts), scripts
        assert not re.search(r"\son[a-z]+=", html, re.IGNORECASE)
        assert not re.search(r"<[^>]+\sstyle=", html, re.IGNORECASE)


def test_notes_and_answers_are_escaped_for_the_student_and_the_teacher(client, world, sam):
    text = factories.prompt_of(world.assignment, 1, "text")
    added = client.post(
        _add_url(world),
        {"quote": "glorious leader", "note": XSS, "technique": _technique(world, "Doubt").pk},
    )
    saved = client.post(_answers_url(world), {"answers": "1", f"prompt-{text.pk}": XSS})
    assert (added.status_code, saved.status_code) == (302, 302)
    assert Highlight.objects.get().note == XSS

    student_page = client.get(_segment_url(world)).content.decode()
    editor = client.get(_edit_url(world, Highlight.objects.get()), **HTMX).content.decode()
    client.force_login(world.alice)
    teacher_page = client.get(
        reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk])
    ).content.decode()

    for page in (student_page, teacher_page, editor):
        assert XSS not in page
        assert "<script>alert" not in page
    assert student_page.count(ESCAPED_XSS) == 2  # the note, the answer
    assert editor.count(ESCAPED_XSS) == 2  # the note, its box
    assert teacher_page.count(ESCAPED_XSS) == 2


def test_a_typed_quote_with_markup_is_escaped_in_the_error(client, world, sam):
    response = client.post(
        _add_url(world), {"quote": XSS, "technique": _technique(world, "Doubt").pk}
    )

    assert response.status_code == 400
    assert XSS not in response.content.decode()
    assert ESCAPED_XSS in response.content.decode()
