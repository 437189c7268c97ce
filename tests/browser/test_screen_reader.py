"""A screen reader's walk through passages with highlights, read from Chromium's accessibility
tree (what a screen reader is given): each highlight is announced where it starts
("Highlight start: <technique>") and where it ends ("Highlight end:", then its label and, on
the feedback page, its verdict); a highlight inside another is read inside it; a technique's
name never runs into the sentence. The announcements are no part of the text: selecting
words across them gives the offsets of the words alone."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from lessons.library import services as library_services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan
from lessons.work import services
from tests import factories

from .journeys import audit, log_in, select_words

pytestmark = pytest.mark.django_db(transaction=True)

MARK, END_MARK = "<mark>", "</mark>"
TEACHER_PASSWORD = "a-long-teacher-password"


def reading(page: Page, selector: str) -> list[str]:
    """What a screen reader is given for the element, in reading order: the text of each
    text node in Chromium's accessibility tree, with MARK and END_MARK where an element of
    role mark (a <mark>) begins and ends."""
    cdp = page.context.new_cdp_session(page)
    try:
        document = cdp.send("DOM.getDocument", {"depth": 0})
        found = cdp.send(
            "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector}
        )
        assert found["nodeId"], f"{selector!r} matched nothing"
        element = cdp.send("DOM.describeNode", {"nodeId": found["nodeId"]})["node"]
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    by_id = {node["nodeId"]: node for node in nodes}
    root = next(n for n in nodes if n.get("backendDOMNodeId") == element["backendNodeId"])
    said: list[str] = []

    def walk(node: dict) -> None:
        role = node.get("role", {}).get("value")
        if role == "StaticText":
            said.append(node["name"]["value"])
            return
        said.extend([MARK] if role == "mark" else [])
        for child in node.get("childIds", []):
            walk(by_id[child])
        said.extend([END_MARK] if role == "mark" else [])

    walk(root)
    return said


def assert_labels_stand_apart(said: list[str], labels: list[str]) -> None:
    """A label is read on its own, straight after the words that say a highlight ends; a
    technique's name is in no other piece of text but the one that says where a highlight
    starts."""
    for label in labels:
        at = [i for i, piece in enumerate(said) if piece == label]
        assert at, f"{label!r} is never read on its own: {said}"
        assert all(said[i - 1].endswith(" end:") for i in at), (label, said)
    for piece in said:
        named = [label for label in labels if label.split(":")[-1].strip() in piece]
        assert not named or piece in labels or " start: " in piece, (piece, said)


def text_without_announcements(page: Page, selector: str) -> str:
    """The text the selection script measures: the element's text without [data-anchor-ignore]."""
    return page.locator(selector).evaluate(
        """(root) => {
            const copy = root.cloneNode(true);
            copy.querySelectorAll('[data-anchor-ignore]').forEach((el) => el.remove());
            return copy.textContent;
        }"""
    )


@pytest.fixture
def work():
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(classroom)
    student = factories.make_student("Amira K.", classroom)
    factories.make_highlight(
        assignment, student, "glorious leader", "Loaded_Language", note="Praise, not facts."
    )
    factories.make_highlight(assignment, student, "leader", "Exaggeration,Minimisation")
    factories.make_highlight(assignment, student, "traitors", "Doubt", occurrence=1)
    return assignment, student


def test_the_exercise_reads_each_highlight_as_an_annotation_of_the_words(page, work):
    assignment, student = work
    segment = assignment.lesson.segments.get(position=1)
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/segments/1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")

    passage = reading(page, "#segment-text")

    # "leader" is a highlight inside "glorious leader"; "traitors" is bold in the source.
    assert passage == [
        "Our ",
        "Highlight start: Loaded language",
        MARK,
        "glorious ",
        "Highlight start: Exaggeration / minimisation",
        MARK,
        "leader",
        END_MARK,
        "Highlight end:",
        "Exaggeration / minimisation",
        END_MARK,
        "Highlight end:",
        "Loaded language",
        " 😀 says the ",
        "Highlight start: Doubt",
        MARK,
        "traitors",
        END_MARK,
        "Highlight end:",
        "Doubt",
        " will fail. ",  # the text is drawn in pieces (a clause or more), read on as one
        "The traitors always fail.",
    ]
    assert_labels_stand_apart(passage, ["Loaded language", "Exaggeration / minimisation", "Doubt"])
    # Then the list of the student's highlights, with the reason they gave.
    main = reading(page, "main")
    at = next(i for i in range(len(main)) if main[i : i + len(passage)] == passage)
    assert "Praise, not facts." in main[at + len(passage) :]
    audit(page)

    # Without the announcements the passage is its plain text, and words selected across
    # them are measured in that text, in code points (the emoji is one).
    assert text_without_announcements(page, "#segment-text") == segment.text
    form = page.locator("#highlight-form")
    for words in ("leader 😀 says the traitors will", "traitors will fail"):
        page.reload()  # (no selection panel left open over the words)
        select_words(page, words)
        start = segment.text.index(words)
        expect(form.locator('[name="start"]')).to_have_value(str(start))
        expect(form.locator('[name="end"]')).to_have_value(str(start + len(words)))
        expect(form.locator('[name="quote"]')).to_have_value(words)


def test_the_feedback_reads_each_highlight_with_its_verdict_after_its_end(page, work):
    assignment, student = work
    services.submission_submit(
        submission=services.submission_for(assignment=assignment, student=student)
    )
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/feedback/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your feedback")

    passage = reading(page, '[aria-labelledby="segment-1"] .source-text')

    assert passage == [
        "Our ",
        "Highlight start: Loaded language",
        MARK,
        "glorious ",
        "Highlight start: Exaggeration / minimisation",
        MARK,
        "leader",
        END_MARK,
        "Highlight end:",
        "Exaggeration / minimisation: right words, another technique",
        END_MARK,
        "Highlight end:",
        "Loaded language: correct",
        " 😀 says the ",
        "Highlight start: Doubt",
        MARK,
        "traitors",
        END_MARK,
        "Highlight end:",
        "Doubt: right words, another technique",
        " will fail. The ",
        # the key span the student missed is announced as a key span, with its verdict
        "Key span start: Name calling / labelling",
        MARK,
        "traitors",
        END_MARK,
        "Key span end:",
        "Missed: Name calling / labelling",
        " always fail.",
    ]
    assert_labels_stand_apart(
        passage,
        [
            "Loaded language: correct",
            "Exaggeration / minimisation: right words, another technique",
            "Doubt: right words, another technique",
            "Missed: Name calling / labelling",
        ],
    )
    audit(page)


def test_an_author_and_a_reviewing_teacher_hear_key_spans_announced_as_key_spans(page, work):
    assignment, _ = work
    lesson = assignment.lesson
    teacher = assignment.classroom.teacher
    key = KeySpan.objects.get(segment__lesson=lesson, quote="glorious leader")
    log_in(page, teacher.username, TEACHER_PASSWORD)

    page.goto(reverse("insights:review_key_span", args=[assignment.pk, key.pk]))
    page.get_by_text("Read the passage, with the key span marked").click()
    passage = reading(page, ".source-text")
    at = passage.index("Key span start: Loaded language")
    assert passage[at : at + 6] == [
        "Key span start: Loaded language",
        MARK,
        "glorious leader",
        END_MARK,
        "Key span end:",
        "Key: Loaded language",
    ]
    audit(page)

    source = factories.SMALL_LESSON.format(title="Freedonia speaks", slug="freedonia-speaks")
    draft = library_services.lesson_import(
        data=parse_lesson(source), created_by=teacher, is_published=False
    )
    page.goto(reverse("authoring:author_segment", args=[draft.pk, 1]))
    passage = reading(page, "#segment-text")
    at = passage.index("Key span start: Loaded language")
    assert passage[at : at + 6] == [
        "Key span start: Loaded language",
        MARK,
        "glorious leader",
        END_MARK,
        "Key span end:",
        "Loaded language",
    ]
    assert_labels_stand_apart(passage, ["Loaded language", "Name calling / labelling"])
    audit(page)
