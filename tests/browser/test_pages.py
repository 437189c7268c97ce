"""Every page a user can reach, in Chromium: axe-core finds no violation, and the harness
has the Nu checker validate each page's HTML."""

import re

import pytest
from playwright.sync_api import expect

from core.models import Classroom, Enrollment
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


def test_the_password_reset_pages_are_accessible(page, mailoutbox):
    teacher = factories.make_teacher("Ms Rivera")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="reset your password by e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    audit(page)
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    audit(page)
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    audit(page)

    [link] = re.findall(r"https?://[^/\s]+(/accounts/reset/\S+/)", mailoutbox[0].body)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    audit(page)
    page.get_by_label("New password", exact=True).fill("a-brand-new-password-7")
    page.get_by_label("New password confirmation").fill("a-brand-new-password-7")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is changed")
    audit(page)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    audit(page)


def test_the_too_many_tries_and_too_large_pages_are_accessible(page, settings):
    settings.AXES_FAILURE_LIMIT = 1
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("somebody")
    page.get_by_label("Password").fill("a-wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many tries")
    audit(page)

    page.goto("/join/")
    # More than Lens takes in one request; a script sets it, as maxlength stops typing.
    page.get_by_label("Your name").evaluate("el => { el.value = 'x'.repeat(3 * 1024 * 1024); }")
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("That was too large")
    audit(page)


def test_the_school_and_account_pages_are_accessible(page, mailoutbox):
    school = factories.make_school("Northside School")
    admin = factories.make_teacher("Ada Admin", school=school, is_school_admin=True)
    factories.make_teacher("Pat Pending", school=school, approved=False)
    lesson = factories.seed_lesson()
    heading = page.get_by_role("heading", level=1)

    # A teacher signs up naming the school, confirms the address, and waits for approval.
    page.goto("/signup/")
    audit(page)
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Name shown to students").fill("Carol Teacher")
    page.get_by_label("E-mail").fill("carol@example.org")
    page.get_by_label("School").select_option(label="Northside School")
    page.get_by_label("Password", exact=True).fill("a-very-long-password-9")
    page.get_by_role("button", name="Create account").click()
    expect(heading).to_have_text("Confirm your e-mail address")
    audit(page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("a-very-long-password-9")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Confirm your e-mail address first")).to_be_visible()
    audit(page)
    [link] = re.findall(r"https?://[^/\s]+(/signup/confirm/\S+/)", mailoutbox[0].body)
    page.goto(link)
    expect(heading).to_have_text("Confirm your e-mail address")
    audit(page)
    page.get_by_role("button", name="Confirm my e-mail address").click()
    expect(page.get_by_text("Your e-mail address is confirmed")).to_be_visible()
    log_in(page, "carol", "a-very-long-password-9")
    expect(page.locator("#pending-notice")).to_be_visible()
    audit(page)
    page.goto(f"/lessons/{lesson.slug}/")
    expect(page.locator("#key-hidden")).to_be_visible()
    audit(page)
    page.goto("/signup/confirm/not-a-token/")
    expect(heading).to_have_text("This link does not work")
    audit(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()

    # The school's admin approves a teacher and invites another.
    log_in(page, admin.username, "a-long-teacher-password")
    page.get_by_role("link", name="My school").click()
    expect(heading).to_have_text("Northside School")
    expect(page.get_by_role("button", name="Approve Pat Pending")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Approve Pat Pending").click()
    expect(page.get_by_text("Pat Pending is approved")).to_be_visible()
    page.get_by_label("Teacher's e-mail address").fill("not an address")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    audit(page)
    page.get_by_label("Teacher's e-mail address").fill("nina@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to nina@example.org")).to_be_visible()
    audit(page)
    [invitation] = re.findall(r"https?://[^/\s]+(/invitations/\S+/)", mailoutbox[-1].body)
    page.goto(invitation)
    expect(heading).to_have_text("Log out to accept the invitation")
    audit(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()

    # The invited teacher chooses a login on the link, which then works no more.
    page.goto(invitation)
    expect(heading).to_have_text("Join Northside School on Lens")
    audit(page)
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Name shown to students").fill("Nina New")
    page.get_by_label("Choose a password").fill("a-very-long-password-9")
    page.get_by_label("Type the password again").fill("another-password-10")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("The two passwords are not the same.")).to_be_visible()
    audit(page)
    page.get_by_label("Choose a password").fill("a-very-long-password-9")
    page.get_by_label("Type the password again").fill("a-very-long-password-9")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("you are a teacher of Northside School")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()
    page.goto(invitation)
    expect(page.get_by_text("This invitation has been used already")).to_be_visible()
    audit(page)
    # Refusals answer with their status (404, 400, 409, 410), which the console reports as
    # failed loads: only scripts' errors count here.
    assert not page.page_errors


def test_the_privacy_pages_are_accessible(page):
    """Deleting a student's data (the confirmation, with and without the box ticked, and when
    the student is in another teacher's class), the school admin's students and audit log."""
    school = factories.make_school("Northfield School")
    teacher = factories.make_teacher("Ms Rivera", school=school)
    admin = factories.make_teacher("Mr Head", school=school, is_school_admin=True)
    other = factories.make_teacher("Mr Other")
    classroom = factories.make_classroom(teacher, "10B Media Studies")
    assignment = factories.make_assignment(classroom)
    amira = factories.make_student("Amira K.", classroom)
    factories.make_highlight(assignment, amira, "glorious leader", note="Praise.")
    ben = factories.make_student("Ben T.", classroom)
    Enrollment.objects.create(classroom=factories.make_classroom(other, "Other class"), student=ben)

    log_in(page, teacher.username, "a-long-teacher-password")
    page.goto(f"/classes/{classroom.pk}/")
    page.get_by_role("row", name="Amira K.").get_by_role("link", name="See work").click()
    audit(page)  # (the view is now in the audit log)
    page.goto(f"/classes/{classroom.pk}/")
    page.get_by_role("row", name="Amira K.").get_by_role("link", name="Delete data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete Amira K.'s data")
    audit(page)
    page.get_by_role("button", name="Delete Amira K.'s account and work").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    audit(page)
    page.console_errors.clear()  # the refused form's 400, which Chromium logs: expected
    page.goto(f"/classes/{classroom.pk}/students/{ben.pk}/delete/")
    expect(page.get_by_role("heading", name="You cannot delete this account")).to_be_visible()
    audit(page)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    log_in(page, admin.username, "a-long-teacher-password")
    page.get_by_role("link", name="download or delete a student's data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Students' data")
    audit(page)
    page.get_by_role("row", name="Amira K.").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log of Amira K.")
    expect(page.locator("#audit-events tbody tr")).to_have_count(1)
    audit(page)
    page.get_by_role("link", name="Students' data").click()
    page.get_by_role("row", name="Amira K.").get_by_role("link", name="Delete data").click()
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete Amira K.'s account and work").click()
    expect(page.get_by_text("Amira K.'s account and all their work are deleted.")).to_be_visible()
    audit(page)
    page.goto("/school/audit-log/")
    deleted = page.get_by_role("cell", name=re.compile(r"^Deleted student no\. \d+$"))
    expect(deleted).to_have_count(2)  # the teacher's view, and the deletion
    audit(page)
    assert_no_console_errors(page)
