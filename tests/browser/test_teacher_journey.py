"""The teacher's journey end to end in Chromium: assign with a release rule, watch progress
while a student works, comment on an answer, release; then the student reads it all."""

import pytest
from playwright.sync_api import expect

from core.models import Classroom
from lessons.work.models import Review
from tests import factories

from .journeys import audit, log_in, select_words

pytestmark = pytest.mark.django_db(transaction=True)


def test_assign_watch_comment_release_and_the_student_reads_the_feedback(
    page, browser, live_server
):
    factories.seed_lesson()
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    student = factories.make_student("Amira K.", classroom)

    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/classes/{classroom.pk}/")
    page.get_by_label("Lesson", exact=True).select_option(
        label="A Solidarity Resolution from Pyongyang (2017)"
    )
    page.get_by_label("Students see the answer key and feedback").select_option(
        label="When I release it"
    )
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("is assigned to 10B Media")).to_be_visible()
    assignment = Classroom.objects.get(pk=classroom.pk).assignments.get()
    assert assignment.feedback_release == "manual"

    # The student works in a second browser while the teacher watches.
    student_context = browser.new_context(base_url=live_server.url)
    student_page = student_context.new_page()
    log_in(student_page, student.username, "a-long-password")
    student_page.goto(f"/assignments/{assignment.pk}/segments/1/")
    select_words(
        student_page, "set forth by His Excellency Kim Jong Un at the Seventh Congress of the WPK"
    )
    student_page.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Appeal to authority"
    )
    student_page.get_by_role("button", name="Add highlight").click()
    expect(student_page.locator("#segment-text mark").first).to_be_visible()
    prompt = assignment.lesson.segments.get(position=1).prompts.filter(kind="text").first()
    student_page.get_by_label(prompt.text).fill("It makes the goals sound unquestionable.")
    expect(student_page.locator("#answers-status")).to_contain_text("Saved")

    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    expect(page.get_by_role("row", name="Amira K.", exact=False)).to_contain_text("1")
    audit(page)

    student_page.goto(f"/assignments/{assignment.pk}/submit/")
    student_page.get_by_role("button", name="Hand in my work").click()
    expect(student_page.get_by_text("Your work is handed in")).to_be_visible()
    student_page.goto(f"/assignments/{assignment.pk}/feedback/")
    expect(student_page.get_by_role("heading", level=1)).to_have_text(
        "Your feedback is not ready yet"
    )

    page.goto(f"/assignments/{assignment.pk}/review/prompts/{prompt.pk}/")
    page.get_by_role("textbox", name="Comment for Amira K.").fill("Good: say which goals.")
    page.get_by_role("combobox", name="Score (0–5) for Amira K.").select_option("4")
    # Only a review marked reviewed reaches the student.
    page.get_by_role("checkbox", name="Reviewed for Amira K.").check()
    page.get_by_role("button", name="Save review for Amira K.").click()
    expect(page.get_by_text("Saved at")).to_be_visible()
    assert Review.objects.get().comment == "Good: say which goals."
    page.goto(f"/assignments/{assignment.pk}/settings/")
    page.get_by_role("button", name="Release feedback now").click()
    expect(page.get_by_text("Feedback is released")).to_be_visible()

    student_page.goto(f"/assignments/{assignment.pk}/")
    student_page.get_by_role("link", name="See your feedback").click()
    expect(student_page.get_by_text("You found 1 of 90")).to_be_visible()
    expect(student_page.locator(".source-text .hl-correct").first).to_be_visible()
    expect(student_page.get_by_text("Good: say which goals.")).to_be_visible()
    expect(student_page.locator(".teacher-comment strong", has_text="4/5")).to_be_visible()
    audit(student_page)
    student_context.close()
