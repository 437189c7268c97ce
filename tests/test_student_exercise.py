"""The student's exercise, end to end through the test client: read, highlight, answer,
hand in; with and without htmx."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from lessons.library.anchoring import CONTEXT_LENGTH
from lessons.library.models import Technique
from lessons.work.models import Answer, Highlight, Submission

from . import factories

XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true"}


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


def _edit(client, world, highlight, technique, note):
    return client.post(
        reverse("work:highlight_edit", args=[world.assignment.pk, highlight.pk]),
        {f"h{highlight.pk}-technique": technique.pk, f"h{highlight.pk}-note": note},
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
        r'</mark><span class="hl-label"[^>]*>Loaded language</span>',
        page,
    )
    assert "Your highlights in this passage (1)" in page


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
    assert "Your highlights in this passage (3)" in page
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
    assert "can no longer be changed" in page


def test_htmx_gets_only_the_workspace_and_a_plain_post_a_redirect(client, world, sam):
    loaded = _technique(world, "Loaded_Language").pk

    partial = client.post(
        _add_url(world), {"quote": "glorious leader", "technique": loaded}, **HTMX
    )
    plain = client.post(
        _add_url(world), {"quote": "traitors", "occurrence": 2, "technique": loaded}
    )

    html = partial.content.decode()
    assert partial.status_code == 200
    assert html.lstrip().startswith('<div id="workspace"')
    assert "<html" not in html.lower()
    assert "<!doctype" not in html.lower()
    assert "Highlighted “glorious leader” as Loaded language." in html
    assert re.search(r"<mark[^>]*>glorious leader</mark>", html)
    assert plain.status_code == 302
    assert Highlight.objects.count() == 2
    full = client.get(plain.url).content.decode()
    assert full.lstrip().lower().startswith("<!doctype html>")


def test_htmx_edit_and_delete_return_the_workspace(client, world, sam):
    highlight = factories.make_highlight(world.assignment, world.sam, "glorious leader")
    doubt = _technique(world, "Doubt")

    edited = client.post(
        reverse("work:highlight_edit", args=[world.assignment.pk, highlight.pk]),
        {f"h{highlight.pk}-technique": doubt.pk, f"h{highlight.pk}-note": "Hmm."},
        **HTMX,
    )
    deleted = client.post(
        reverse("work:highlight_delete", args=[world.assignment.pk, highlight.pk]), **HTMX
    )

    assert edited.status_code == 200
    assert 'id="workspace"' in edited.content.decode()
    assert "<html" not in edited.content.decode()
    assert deleted.status_code == 200
    assert "Your highlights in this passage (0)" in deleted.content.decode()
    assert not Highlight.objects.exists()


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
    assert 'id="workspace"' in response.content.decode()
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
    client.force_login(world.alice)
    teacher_page = client.get(
        reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk])
    ).content.decode()

    for page in (student_page, teacher_page):
        assert XSS not in page
        assert "<script>alert" not in page
    assert student_page.count(ESCAPED_XSS) == 3  # the note, its edit box, the answer
    assert teacher_page.count(ESCAPED_XSS) == 2


def test_a_typed_quote_with_markup_is_escaped_in_the_error(client, world, sam):
    response = client.post(
        _add_url(world), {"quote": XSS, "technique": _technique(world, "Doubt").pk}
    )

    assert response.status_code == 400
    assert XSS not in response.content.decode()
    assert ESCAPED_XSS in response.content.decode()
