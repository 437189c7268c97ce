"""Every page of the LMS side of Lens (lessons/lms), in Chromium, in English and in Spanish:
axe-core finds no violation, and the harness has the Nu checker validate each page's HTML.

The school admin's pages (the registered LMSs and one registration, and each form sent with
mistakes) are opened signed in; the others only come from a launch by the LMS of
tests/lti_platform.py, opened here at the top of the window (tests/browser/test_lti_embedded.py
opens them inside the LMS's frame): the choice of a lesson for deep linking and Lens's answer
handed back to the LMS, the course's page and its answers (roster synced, grades sent), and
the pages of a launch Lens will not take (a
spoiled token, a role with no place in Lens, a login Lens cannot place, too many launches)."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.lti_support import AMIRA, COURSE, PAT, TEACHER
from tests.test_i18n_pages import EnglishFinder, english_in, stored_data

from .journeys import audit, log_in

pytest_plugins = ["tests.lti_fixtures"]  # the LMS, Lens registered in it

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = {"en": "en-GB,en;q=0.9", "es": "es-ES,es;q=0.9"}


def _in(page: Page, language: str) -> None:
    """The page is Lens's, in the language of the browser (the accounts have chosen none),
    with no English left in Spanish (tests/test_i18n_pages.py's check), and accessible."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language == "es":
        english = english_in(page.content(), EnglishFinder(stored_data()))
        assert not english, f"English in {page.url}:\n" + "\n".join(english)
    audit(page)


def _not_lens_to_check(page: Page, *origins: str) -> None:
    """The Nu checker validates Lens's pages, not the LMS's own (its self-submitting forms)."""
    recorder = page.html_recorder
    recorder.settle()
    recorder.problems = [p for p in recorder.problems if not any(o in p for o in origins)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_school_admins_lms_pages_are_accessible(page, lti, language):
    admin = factories.make_teacher("Ada Admin", school=lti.school, is_school_admin=True)
    log_in(page, admin.username, "a-long-teacher-password")
    page.context.set_extra_http_headers({"Accept-Language": LANGUAGES[language]})

    page.goto("/school/lms/")
    _in(page, language)
    page.locator("main form[action='/school/lms/new/'] button[type=submit]").click()  # empty
    expect(page).to_have_url(f"{lti.lens_url}/school/lms/new/")
    expect(page.locator("main .errors").first).to_be_visible()
    _in(page, language)
    page.goto(f"/school/lms/{lti.platform.pk}/")
    expect(page.locator("main form input[name=issuer]")).to_have_value(lti.lms.issuer)
    _in(page, language)
    page.locator("main form input[name=issuer]").fill("")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .errors").first).to_be_visible()
    _in(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_a_launch_leads_to_are_accessible(page, lti, settings, language):
    page.context.set_extra_http_headers({"Accept-Language": LANGUAGES[language]})
    lms, lesson = lti.lms, lti.lesson

    # Deep linking: the choice of a lesson, then Lens's answer, kept on screen (its script
    # would post it on to the LMS at once).
    page.route("**/autosubmit.js", lambda route: route.abort())
    page.goto(lms.start_url(TEACHER, COURSE, deep=True))
    expect(page).to_have_url(f"{lti.lens_url}/lti/deep-link/")
    _in(page, language)
    page.locator(f"input[name=lesson][value='{lesson.pk}']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main form[data-autosubmit]")).to_be_visible()
    _in(page, language)
    page.locator("main form[data-autosubmit] button").click()  # on to the LMS
    expect(page.locator("#added")).to_contain_text(lesson.title)
    page.unroute("**/autosubmit.js")

    # The instructor's launch without a lesson: the course's page, with the lesson placed,
    # then its answers to the roster synced and the grades sent.
    page.goto(lms.start_url(TEACHER, COURSE))
    expect(page).to_have_url(f"{lti.lens_url}/lti/courses/{lti.platform.courses.get().pk}/")
    _in(page, language)
    page.locator("main form[action$='/roster/'] button").click()
    expect(page.locator(".messages")).to_be_visible()
    _in(page, language)
    page.locator("main form[action$='/grades/'] button").click()
    expect(page.locator(".messages")).to_be_visible()
    _in(page, language)

    # The launches Lens will not take: a spoiled token, a role Lens has no page for, a login
    # it cannot place, and one launch too many from this address.
    lms.tamper = {"expires_in": -120}
    page.goto(lms.start_url(AMIRA, COURSE))
    expect(page.locator("#lti-refusal")).to_be_visible()
    _in(page, language)
    page.goto(lms.start_url(PAT, COURSE))
    expect(page.locator("#lti-refusal")).to_be_visible()
    _in(page, language)
    page.goto("/lti/login/")
    expect(page.locator("#lti-refusal")).to_be_visible()
    _in(page, language)
    settings.THROTTLES = {**settings.THROTTLES, "lti_login_ip": "1/d"}
    page.goto("/lti/login/")  # the one login of the day from here
    response = page.goto("/lti/login/")
    assert response is not None and response.status == 429
    _in(page, language)
    _not_lens_to_check(page, lms.url)
