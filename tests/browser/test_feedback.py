"""Feedback in Chromium: the teacher's settings and release, the student's feedback page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lessons.work import services
from lessons.work.models import Assignment
from tests import factories

from .journeys import audit, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teacher_sets_the_rules_and_a_student_reads_the_feedback_once_released(page):
    teacher = factories.make_teacher("Ms Rivera")
    classroom = factories.make_classroom(teacher, "10B Media")
    assignment = factories.make_assignment(
        classroom, factories.seed_lesson(), feedback_release=Assignment.Release.MANUAL
    )
    student = factories.make_student("Amira K.", classroom)
    factories.make_highlight(
        assignment,
        student,
        "set forth by His Excellency Kim Jong Un at the Seventh Congress of the WPK",
        "Appeal_to_Authority",
    )
    factories.make_highlight(assignment, student, "vicious sanctions", "Doubt", position=2)
    submission = services.submission_for(assignment=assignment, student=student)
    services.submission_submit(submission=submission)

    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/assignments/{assignment.pk}/settings/")
    audit(page)
    row = page.get_by_role("row", name="Amira K.")
    later = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    row.get_by_label("New due date for Amira K.").fill(later)
    row.get_by_role("button", name="Set").click()
    expect(page.get_by_text("Amira K. now has until")).to_be_visible()
    expect(page.get_by_role("row", name="Amira K.")).to_contain_text("(extended)")
    page.get_by_role("button", name="Release feedback now").click()
    expect(page.get_by_text("Feedback is released")).to_be_visible()
    audit(page)
    page.goto(f"/assignments/{assignment.pk}/students/{student.pk}/")
    expect(
        page.locator(".hl-label", has_text="Doubt: right words, another technique")
    ).to_be_visible()
    audit(page)

    page.context.clear_cookies()
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/")
    page.get_by_role("link", name="See your feedback").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your feedback")
    expect(page.get_by_text("You found 1 of")).to_be_visible()
    # The highlight that found its key span is marked correct from its first word (the mark
    # ends where the next key span's mark begins).
    expect(page.locator(".source-text .hl-correct").first).to_have_text(
        re.compile(r"^set forth by ")
    )
    expect(page.get_by_text("What you missed").first).to_be_visible()
    audit(page)


def test_a_student_is_told_when_feedback_will_come(page):
    teacher = factories.make_teacher()
    classroom = factories.make_classroom(teacher)
    assignment = factories.make_assignment(classroom, feedback_release=Assignment.Release.MANUAL)
    student = factories.make_student("Ben O.", classroom)
    log_in(page, student.username, "a-long-password")
    page.goto(f"/assignments/{assignment.pk}/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your feedback is not ready yet")
    audit(page)
