"""Lens inside the LMS's page, in Chromium: the LMS of tests/lti_platform.py (on 127.0.0.1)
shows Lens (on localhost, another site) in an iframe. The OIDC login and the launch survive
the third-party frame (Chromium here blocks third-party cookies that are not partitioned);
the teacher places a lesson by deep linking and the student works on it, all inside the
frame; a Lens page outside an LMS launch refuses to be framed."""

import pytest
from playwright.sync_api import expect

from lessons.lms.models import LinkedLesson
from lessons.work.models import Highlight
from tests.lti_support import AMIRA, COURSE, TEACHER

from .support import check_axe

pytest_plugins = ["tests.lti_fixtures"]  # the LMS, Lens registered in it

pytestmark = pytest.mark.django_db(transaction=True)


def _lens_frame(page):
    return page.frame_locator("iframe[title=Lens]")


def _not_lens_to_check(page, *origins: str) -> None:
    """The Nu checker validates Lens's pages: a body Chromium could not hand over from another
    origin (the LMS's pages), or from a frame it refused to show, is not one to check."""
    recorder = page.html_recorder
    recorder.settle()
    recorder.problems = [p for p in recorder.problems if not any(o in p for o in origins)]


def test_the_teacher_places_a_lesson_and_the_student_works_on_it_inside_the_lms(
    page, phone_page, lti
):
    lms, lesson = lti.lms, lti.lesson

    page.goto(lms.page_url(TEACHER, COURSE, deep=True))
    frame = _lens_frame(page)
    expect(frame.get_by_role("heading", level=1)).to_have_text("Add a Lens lesson to History 7B")
    check_axe(page.frame(url=lambda url: "/lti/deep-link/" in url))
    frame.get_by_label(lesson.title, exact=False).check()
    frame.get_by_label("The highlights' F1 score against the answer key").check()
    # Lens's answer posts itself on to the LMS at once: Chromium may drop its body before the
    # recorder reads it (tests/test_lti_pages.py checks that page with the Nu checker).
    page.html_recorder.settle()
    page.html_recorder.enabled = False
    frame.get_by_role("button", name="Add this lesson to the course").click()
    expect(frame.locator("#added")).to_contain_text(lesson.title)  # the LMS's page, in the frame
    page.html_recorder.enabled = True
    link = LinkedLesson.objects.get(assignment__lesson=lesson)
    assert link.grade_source == "f1"
    link_id = list(lms.courses[COURSE].links)[-1]

    student = phone_page  # a context of its own: Amira, on her phone
    student.goto(lms.page_url(AMIRA, COURSE, link=link_id))
    frame = _lens_frame(student)
    expect(frame.get_by_role("heading", level=1)).to_contain_text(lesson.title)
    check_axe(student.frame(url=lambda url: "/assignments/" in url))
    frame.get_by_role("link", name="Start reading").click()
    expect(frame.get_by_role("heading", level=1)).to_contain_text("Passage 1 of 2")
    # A write inside the frame: the session and CSRF cookies are the frame's own.
    frame.get_by_label("Words").fill("glorious leader")
    frame.locator("#highlight-form").get_by_label("Technique").select_option(
        label="Loaded language"
    )
    frame.get_by_role("button", name="Add highlight").click()
    expect(frame.locator("#segment-text mark")).to_contain_text("glorious leader")
    check_axe(student.frame(url=lambda url: "/segments/" in url))
    _not_lens_to_check(student, lms.url)
    _not_lens_to_check(page, lms.url)
    highlight = Highlight.objects.get(submission__student__lms_accounts__subject=AMIRA)
    assert highlight.quote == "glorious leader"


def test_a_refused_launch_shows_its_reason_inside_the_lms(page, lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)  # the course's class exists
    lti.lms.tamper = {"expires_in": -120}

    page.goto(lti.lms.page_url(AMIRA, COURSE))

    expect(_lens_frame(page).locator("#lti-refusal")).to_contain_text("This sign-in has expired")


def test_a_lens_page_outside_an_lms_launch_refuses_to_be_framed(page, lti):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    lens_page = lti.lens_url + "/techniques/"

    page.goto(f"{lti.lms.url}/frame?src={lens_page}")
    page.wait_for_timeout(500)

    frame = page.frame(url=lambda url: url.startswith(lti.lens_url))
    assert frame is None or frame.locator("h1").count() == 0
    assert any("frame-ancestors 'none'" in text for text in blocked), blocked
    page.console_errors.clear()  # the refusal is the point of this test
    _not_lens_to_check(page, lens_page)
