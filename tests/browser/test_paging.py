"""A class shown a page of students at a time, in Chromium: the dashboard's progress table
(its page links swap the table alone, with htmx, and the focus goes to the new rows) and
review by question, with the keyboard; axe-core on every page, and the harness has the Nu
checker validate the HTML."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

from .journeys import audit, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def large_class():
    """35 students: each highlighted "glorious leader", answered the first question and
    handed in."""
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(classroom)
    prompt = factories.prompt_of(assignment, 1, "text")

    def work(student, n):
        factories.make_highlight(assignment, student, "glorious leader")
        factories.make_answer(assignment, student, prompt, "The ministry's enemies.")
        factories.hand_in(assignment, student)

    factories.grow_class(classroom, 35, work, name="Student {n:02d}")
    return teacher, assignment, prompt


def test_a_teacher_pages_through_the_progress_table_with_the_keyboard(page, large_class):
    teacher, assignment, _ = large_class
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/dashboard/")
    rows = page.locator(".progress-table tbody tr")
    expect(rows).to_have_count(30)
    expect(page.locator("#progress-table .table-range")).to_have_text(
        "Students 1–30 of 35, by name."
    )
    expect(page.get_by_text("35 students · 35 started · 35 handed in")).to_be_visible()
    audit(page)

    page.evaluate("window.stillThisPage = true")  # gone if the whole page were loaded again
    page.get_by_role("link", name="Next page").focus()
    page.keyboard.press("Enter")

    expect(rows).to_have_count(5)
    expect(rows.first.get_by_role("rowheader")).to_have_text("Student 30")
    expect(page).to_have_url(re.compile(r"/dashboard/\?page=2$"))  # kept by htmx
    # The focus is on the new rows, the region named by the table's caption.
    region = page.get_by_role("region", name=re.compile("students 31 to 35 of 35$"))
    expect(region).to_be_focused()
    assert page.evaluate("window.stillThisPage") is True
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(page.locator(".phrases li").first).to_have_text("glorious leader: 35 of 35 students")
    audit(page)


def test_the_progress_table_pages_without_javascript(browser, live_server, large_class):
    teacher, assignment, _ = large_class
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/dashboard/")

    page.get_by_role("link", name="Page 2").click()

    expect(page).to_have_url(re.compile(r"/dashboard/\?page=2#progress-heading$"))
    expect(page.locator(".progress-table tbody tr")).to_have_count(5)
    context.close()


def test_review_by_question_shows_a_page_of_students(page, large_class):
    teacher, assignment, prompt = large_class
    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/review/prompts/{prompt.pk}/")
    cards = page.locator(".review-card")
    expect(cards).to_have_count(20)
    expect(page.get_by_text("35 of 35 students answered")).to_be_visible()
    audit(page)

    page.get_by_role("navigation", name="Pages of students").get_by_role(
        "link", name="Page 2"
    ).click()

    expect(cards).to_have_count(15)
    expect(page.locator(".table-range")).to_have_text("Students 21–35 of 35, by name.")
    audit(page)
