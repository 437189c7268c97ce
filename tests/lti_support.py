"""For the LTI tests: a browser that speaks HTTP to Lens and to the LMS of
tests/lti_platform.py, Lens's registration of that LMS, and what a refused launch must leave as
it was. The fixtures are in tests/lti_fixtures.py.

The LMS has one course, "History 7B" (`Course-7B`): Ms Rivera teaches it; Amira, Ben and
Chloe learn in it (Chloe never opens Lens herself); Pat is a mentor (a parent). Northside
School registered the LMS in Lens, with one deployment; Lens has a published lesson.
"""

from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from bs4 import BeautifulSoup

from core.models import Classroom, Enrollment, School, User
from lessons.library.models import Lesson
from lessons.lms import services
from lessons.lms.models import Course, LinkedLesson, LmsAccount, Platform
from lessons.work.models import Assignment

from .lti_platform import LMS

COURSE = "Course-7B"
TEACHER, AMIRA, BEN, CHLOE, PAT = "teacher-1", "learner-1", "learner-2", "learner-3", "mentor-1"


@dataclass
class Form:
    """A form a page posts by itself (the LMS's launch, Lens's deep linking answer)."""

    action: str
    fields: dict[str, str]


def auto_form(response: requests.Response) -> Form | None:
    """The form of a page that submits itself at once, if it is one."""
    if "text/html" not in response.headers.get("Content-Type", ""):
        return None
    text = response.text
    soup = BeautifulSoup(text, "html.parser")
    # Lens's page marks its form; the LMS's has one form, and submits it with its own script.
    form = soup.select_one("form[data-autosubmit]")
    if form is None and "document.forms[0].submit()" in text:
        form = soup.find("form")
    if form is None:
        return None
    fields = {
        str(i["name"]): str(i.get("value", ""))
        for i in form.find_all("input")
        if i.get("name")  # type: ignore[union-attr]
    }
    return Form(urljoin(response.url, str(form["action"])), fields)  # type: ignore[index]


class Browser:
    """A browser for the HTTP tests: it keeps cookies (the Secure ones over plain HTTP too, as
    Chromium does on localhost), follows redirects and submits self-submitting forms."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def request(self, method: str, url: str, data: dict | None = None) -> requests.Response:
        response = self.http.request(method, url, data=data, allow_redirects=False, timeout=30)
        for cookie in self.http.cookies:
            # Chromium sends Secure cookies to http://localhost; requests only over HTTPS.
            cookie.secure = False
        return response

    def go(self, url: str, method: str = "GET", data: dict | None = None) -> requests.Response:
        """Open `url`, following redirects and self-submitting forms to the page that stays."""
        for _ in range(12):
            response = self.request(method, url, data)
            if response.is_redirect:
                url, method, data = urljoin(response.url, response.headers["Location"]), "GET", None
                continue
            form = auto_form(response)
            if form is None:
                return response
            url, method, data = form.action, "POST", form.fields
        raise AssertionError(f"More than 12 steps from {url}")

    def launch_form(self, lms: LMS, user: str, course: str = COURSE, **kwargs) -> Form:
        """The OIDC login up to the LMS's launch form, not yet posted to Lens."""
        url = lms.start_url(user, course, **kwargs)
        for _ in range(4):
            response = self.request("GET", url)
            if not response.is_redirect:
                break
            url = urljoin(response.url, response.headers["Location"])
        form = auto_form(response)
        assert form is not None, f"{response.status_code} {response.url}\n{response.text[:2000]}"
        return form

    def launch(self, lms: LMS, user: str, course: str = COURSE, **kwargs) -> requests.Response:
        """Open Lens from the LMS, to the page the launch leads to."""
        return self.go(lms.start_url(user, course, **kwargs))

    def csrf_post(self, page: requests.Response, action: str, data: dict) -> requests.Response:
        """Post a form of a Lens page, with the page's CSRF token."""
        token = BeautifulSoup(page.text, "html.parser").find(
            "input", {"name": "csrfmiddlewaretoken"}
        )
        assert token is not None, page.text[:2000]
        fields = {"csrfmiddlewaretoken": str(token["value"]), **data}  # type: ignore[index]
        return self.go(urljoin(page.url, action), "POST", fields)


def platform_fields(lms: LMS, **changes) -> services.PlatformFields:
    fields = services.PlatformFields(
        name="Canvas",
        issuer=lms.issuer,
        client_id=lms.client_id,
        auth_url=lms.url + "/authorize",
        token_url=lms.url + "/token",
        keyset_url=lms.url + "/jwks",
        audience="",
        deployment_ids=[lms.deployment_id],
        frame_origins=[lms.url],
    )
    for name, value in changes.items():
        setattr(fields, name, value)
    return fields


@dataclass
class LtiWorld:
    lms: LMS
    school: School
    platform: Platform
    lesson: Lesson
    lens_url: str


def snapshot() -> dict[str, list]:
    """What a refused launch must leave as it was."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "role")),
        "accounts": list(LmsAccount.objects.order_by("pk").values_list("pk", "subject")),
        "classes": list(Classroom.objects.order_by("pk").values_list("pk", "name")),
        "courses": list(Course.objects.order_by("pk").values_list("pk", "context_id")),
        "enrolments": list(Enrollment.objects.order_by("pk").values_list("pk", "student")),
        "assignments": list(Assignment.objects.order_by("pk").values_list("pk", "lesson")),
        "links": list(LinkedLesson.objects.order_by("pk").values_list("pk", "assignment")),
    }


def deep_link(browser: Browser, lti: LtiWorld, lesson: Lesson, source: str = "teacher") -> str:
    """The teacher adds `lesson` to the LMS course by deep linking; the LMS's link ID."""
    page = browser.launch(lti.lms, TEACHER, deep=True)
    assert page.status_code == 200, page.text[:2000]
    added = browser.csrf_post(page, page.url, {"lesson": str(lesson.pk), "grade_source": source})
    assert added.status_code == 200 and "Added:" in added.text, added.text[:2000]
    return list(lti.lms.courses[COURSE].links)[-1]
