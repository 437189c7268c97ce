"""Every page a user can reach, in Chromium: axe-core finds no violation, and the harness
has the Nu checker validate each page's HTML."""

import pytest
from playwright.sync_api import expect

from core.models import Classroom
from lessons.library.anchoring import locate
from lessons.work import services
from tests import factories

from .journeys import audit, log_in, select_words
from .support import assert_no_console_errors

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_error_pages_are_accessible(page, settings):
    page.goto("/nowhere/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    audit(page)
    page.goto("/join/")
    page.evaluate("document.querySelector('input[name=csrfmiddlewaretoken]').remove()")
    page.context.clear_cookies()
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please try again")
    audit(page)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    page.goto("/join/")
    # More than the limit; a script sets it, as maxlength stops typing at 60 characters.
    page.get_by_label("Your name").evaluate("el => { el.value = 'x'.repeat(2000); }")
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Something was wrong")
    audit(page)


def test_the_public_pages_are_accessible(page):
    for url in ["/", "/accounts/login/", "/join/", "/signup/", "/techniques/"]:
        page.goto(url)
        audit(page)
    for slug in ["semeval-2020", "semeval-2023", "ipa-1937"]:
        page.goto(f"/techniques/{slug}/")
        audit(page)
    # Forms sent with mistakes show their errors accessibly too.
    page.goto("/join/")
    page.get_by_label("Class code").fill("NOPE00")
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_text("No class has this code")).to_be_visible()
    audit(page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errors")).to_be_visible()
    audit(page)


def test_a_teacher_creates_a_class_assigns_the_seed_lesson_and_reads_a_students_work(page):
    factories.seed_lesson()
    teacher = factories.make_teacher("Ms Rivera")
    page.goto("/signup/")
    audit(page)
    log_in(page, teacher.username, "a-long-teacher-password")
    audit(page)
    page.get_by_role("link", name="Create a class").click()
    audit(page)
    page.get_by_label("Class name").fill("10B Media Studies")
    page.get_by_role("button", name="Create class").click()
    classroom = Classroom.objects.get(name="10B Media Studies")
    expect(page.locator("#join-code")).to_have_text(classroom.join_code_display)
    audit(page)

    page.get_by_label("Lesson", exact=True).select_option(
        label="A Solidarity Resolution from Pyongyang (2017)"
    )
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("is assigned to 10B Media Studies")).to_be_visible()
    assignment = classroom.assignments.get()

    student = factories.make_student("Amira K.", classroom)
    submission = services.submission_for(assignment=assignment, student=student)
    segment = assignment.lesson.segments.get(position=1)
    technique = assignment.lesson.taxonomy.techniques.get(code="Appeal_to_Authority")
    services.highlight_create(
        submission=submission,
        segment=segment,
        technique=technique,
        anchor=locate(segment.text, "His Excellency Kim Jong Un"),
        note="<b>not bold</b>",
    )
    page.reload()
    row = page.get_by_role("row", name="Amira K.")
    expect(row).to_contain_text("1 highlight")
    audit(page)
    row.get_by_role("link", name="See work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Amira K.: A Solidarity Resolution from Pyongyang (2017)"
    )
    expect(page.locator(".source-text mark", has_text="His Excellency").first).to_be_visible()
    expect(page.get_by_text("<b>not bold</b>")).to_be_visible()
    audit(page)

    page.go_back()
    page.get_by_role("row", name="Amira K.").get_by_role("button", name="New password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New password for Amira K.")
    audit(page)
    page.get_by_role("link", name="Back to 10B Media Studies").click()
    old_code = classroom.join_code
    page.get_by_role("button", name="Make a new code").click()
    classroom.refresh_from_db()
    assert classroom.join_code != old_code
    expect(page.locator("#join-code")).to_have_text(classroom.join_code_display)
    page.goto("/")
    expect(page.get_by_text("10B Media Studies")).to_be_visible()
    audit(page)
    assert_no_console_errors(page)


def test_the_seed_lesson_pages_are_accessible_for_a_student_on_a_phone(phone_page):
    lesson = factories.seed_lesson()
    teacher = factories.make_teacher()
    classroom = factories.make_classroom(teacher)
    assignment = factories.make_assignment(classroom, lesson)
    student = factories.make_student("Phone User", classroom)
    page = phone_page
    log_in(page, student.username, "a-long-password")
    audit(page)
    page.goto(f"/assignments/{assignment.pk}/")
    expect(page.get_by_text("About this text")).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Start reading").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 20")
    expect(page.locator("strong", has_text="Kim Jong Un")).to_be_visible()
    audit(page)
    select_words(page, "His Excellency Kim Jong Un")
    page.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Appeal to authority"
    )
    page.get_by_role("button", name="Add highlight").click()
    expect(page.locator("#segment-text mark").first).to_contain_text("His Excellency")
    audit(page)
    page.goto(f"/assignments/{assignment.pk}/segments/20/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passage 20 of 20")
    audit(page)
    page.goto(f"/assignments/{assignment.pk}/submit/")
    audit(page)
    page.goto("/")
    audit(page)
    page.goto(f"/classes/{classroom.pk}/")
    audit(page)
    assert_no_console_errors(page)
