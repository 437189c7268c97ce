"""The author's whole journey in Chromium: build a small lesson with its key, publish it,
assign it; a student answers; the author then edits the lesson and publishes a second
revision, and the student's work still points at the same words, before and after the
teacher moves the class to the new revision."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from lessons.library.models import Lesson
from lessons.work.models import Assignment, Highlight
from tests import factories

from .conftest import _open_page
from .journeys import audit, log_in, select_words
from .support import DESKTOP, assert_no_console_errors

pytestmark = pytest.mark.django_db(transaction=True)

# Two paragraphs of about 130 words: too long together for one passage (250 words at most).
AGAIN = " ".join(f"Line {n} of the speech says the same thing again, louder." for n in range(11))
TEXT = f"""Our glorious leader has spoken. The traitors will fail, as traitors always do. {AGAIN}

Every true patriot stands with us. Join the millions who already have! {AGAIN}"""


def test_build_publish_assign_answer_then_edit_without_moving_the_students_words(
    page, browser, live_server, request
):
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    student = factories.make_student("Amira K.", classroom)
    log_in(page, teacher.username, "a-long-teacher-password")

    # 1. A new lesson from pasted text, cut into passages of a readable length.
    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_role("link", name="New lesson").click()
    page.get_by_label("Title of the lesson").fill("The Leader Speaks")
    page.get_by_label("The text", exact=True).fill(TEXT)
    page.get_by_label("Who wrote the text").fill("The Ministry (fictional)")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_text("is a draft with 2 passages")).to_be_visible()
    lesson = Lesson.objects.get(title="The Leader Speaks")
    audit(page)

    # 2. The details students read first.
    page.get_by_role("link", name="Edit the details and introduction").first.click()
    page.get_by_label("Introduction", exact=True).fill(
        "A *fictional* speech, written for practice."
    )
    page.get_by_label("For whom it was written").fill("Citizens")
    page.get_by_label("Provenance").fill("Written for Lens; not a real source.")
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_text("The details are saved.")).to_be_visible()

    # 3. The key of passage 1, by dragging over the words, and a question.
    page.get_by_role("link", name="Edit text, prompts and key of passage 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passage 1 of 2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#messages")).to_have_text("Passage 1 is saved.")
    select_words(page, "glorious leader")
    key_form = page.locator("#highlight-form")
    key_form.get_by_label("Technique").select_option(label="Loaded language")
    key_form.get_by_label("Explanation for students").fill("Praise words that ask for awe.")
    page.get_by_role("button", name="Add to the key").click()
    expect(page.locator("#coverage")).to_contain_text("1 key span: Loaded language")
    expect(page.locator("#messages")).to_have_text("")  # not the news of the save before
    page.get_by_label("Kind").select_option(label="Written answer")
    page.get_by_label("Prompt", exact=True).fill("Who are “the traitors”?")
    page.get_by_role("button", name="Add prompt").click()
    expect(page.locator("#prompts")).to_contain_text("Who are “the traitors”?")
    audit(page)

    # The passage as a student will work on it, read-only.
    page.get_by_role("link", name="Preview as a student").click()
    expect(page.locator("#preview-banner")).to_contain_text("Preview: nothing is saved.")
    expect(page.get_by_label("Who are “the traitors”?")).to_have_attribute("readonly", "")
    audit(page)
    page.get_by_role("link", name="Next passage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passage 2 of 2")
    page.locator("#preview-banner").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Leader Speaks")

    # 4. Publish, then assign it to the class from the lesson's page.
    expect(page.get_by_text("The lesson is ready to publish.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("every teacher can now find and assign it")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Assign to 10B Media").click()
    expect(page.get_by_text("is assigned to 10B Media")).to_be_visible()
    assignment = Assignment.objects.get(classroom=classroom)
    assert assignment.lesson == lesson

    # 5. The student highlights and answers.
    _, student_page = _open_page(browser, live_server, request, DESKTOP)
    log_in(student_page, student.username, "a-long-password")
    student_page.goto(f"/assignments/{assignment.pk}/segments/1/")
    select_words(student_page, "traitors", occurrence=2)
    student_page.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Name calling / labelling"
    )
    student_page.get_by_role("button", name="Add highlight").click()
    expect(student_page.locator("#segment-text mark")).to_have_text("traitors")
    student_page.get_by_label("Who are “the traitors”?").fill("The enemies of the leader.")
    # The autosave first: on SQLite the live server's threads share the test database's one
    # connection, so two requests at once can clash there (not in production).
    # Leaving the field saves it again (its change event): wait for that save too.
    expect(student_page.locator("#answers-status")).to_contain_text("Saved")
    student_page.get_by_label("Who are “the traitors”?").blur()
    expect(student_page.locator(".htmx-request")).to_have_count(0)
    student_page.get_by_role("button", name="Save and continue").click()
    expect(student_page.get_by_role("heading", level=1)).to_contain_text("Passage 2 of 2")
    highlight = Highlight.objects.get(submission__student=student)
    assert (highlight.start, highlight.quote) == (TEXT.index("traitors always"), "traitors")

    # 6. The author edits the published lesson: a new revision, a sentence added before.
    page.goto(f"/lessons/{lesson.slug}/")
    page.get_by_role("button", name="Edit (starts revision 2)").click()
    expect(page.get_by_text("Revision 2, draft")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Edit text, prompts and key of passage 1").click()
    body = page.get_by_label("Text (Markdown)")
    body.fill("Listen, citizens. " + body.input_value())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Passage 1 is saved.")).to_be_visible()
    page.get_by_role("link", name="Back to the lesson overview").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Revision 2 is published.")).to_be_visible()
    revision_2 = Lesson.objects.get(slug=lesson.slug, revision=2)
    assert revision_2.is_published and Lesson.objects.get(pk=lesson.pk).is_replaced

    # The class stays on revision 1: the student's highlight is on the same words.
    student_page.goto(f"/assignments/{assignment.pk}/segments/1/")
    expect(student_page.locator("#segment-text")).not_to_contain_text("Listen, citizens.")
    expect(student_page.locator("#segment-text mark")).to_have_text("traitors")
    expect(student_page.get_by_label("Who are “the traitors”?")).to_have_value(
        "The enemies of the leader."
    )
    highlight.refresh_from_db()
    assert highlight.segment.lesson_id == lesson.pk
    assert highlight.segment.text[highlight.start : highlight.end] == "traitors"

    # 7. The teacher moves the class; the highlight follows its words into the new text.
    page.goto(f"/assignments/{assignment.pk}/dashboard/")
    page.get_by_role("link", name="see what moving changes").click()
    audit(page)
    page.get_by_role("button", name="Work out what moving would do").click()  # by the worker
    page.get_by_role("link", name="See what moving would do").click()
    page.get_by_role("button", name="Move this class to revision 2").click()
    expect(page.get_by_text("10B Media is now on revision 2. 1 highlight re-an")).to_be_visible()
    student_page.goto(f"/assignments/{assignment.pk}/segments/1/")
    expect(student_page.locator("#segment-text")).to_contain_text("Listen, citizens.")
    expect(student_page.locator("#segment-text mark")).to_have_text("traitors")
    expect(student_page.get_by_label("Who are “the traitors”?")).to_have_value(
        "The enemies of the leader."
    )
    audit(student_page)
    highlight.refresh_from_db()
    assert highlight.segment.lesson_id == revision_2.pk
    assert highlight.segment.text[highlight.start : highlight.end] == "traitors"
    assert highlight.segment.text[: highlight.start].count("traitors") == 1  # the second one
    assert_no_console_errors(page)
    assert_no_console_errors(student_page)


def test_a_corpus_article_is_imported_from_the_browser(page):
    data = Path(__file__).resolve().parent.parent / "data" / "corpus"
    teacher = factories.make_teacher("Ms Rivera")
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto("/author/import/")
    page.get_by_role("link", name="Import a corpus article").click()
    audit(page)
    page.get_by_label("Article text").set_input_files(data / "article8001.txt")
    page.get_by_label("Labels file").set_input_files(data / "article8001-bad.labels")
    page.get_by_role("button", name="Import the article").click()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    expect(page.get_by_text("article8001-bad.labels:2:")).to_be_visible()
    audit(page)
    page.get_by_label("Article text").set_input_files(data / "article8001.txt")
    page.get_by_label("Labels file").set_input_files(data / "article8001.labels")
    page.get_by_role("button", name="Import the article").click()
    expect(page.get_by_text("Write an explanation for each")).to_be_visible()
    lesson = Lesson.objects.get(created_by=teacher)
    assert page.url.endswith(f"/author/lessons/{lesson.pk}/")
    audit(page)
