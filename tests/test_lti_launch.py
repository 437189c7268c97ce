"""LMS launch over LTI 1.3, against a real platform (tests/lti_platform.py) over HTTP: the OIDC
login, the resource link launch, accounts by issuer and subject, roles, the course's class
and its roster (NRPS), deep linking, and the framing of the pages reached from a launch."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from core.models import Enrollment, User
from lessons.lms import services
from lessons.lms.models import Course, LinkedLesson, LmsAccount
from lessons.work.models import Assignment

from . import factories
from .html import assert_in_fragment, text
from .lti_platform import INSTRUCTOR, LEARNER, LMS, Member
from .lti_support import (
    AMIRA,
    BEN,
    CHLOE,
    COURSE,
    PAT,
    TEACHER,
    Browser,
    auto_form,
    deep_link,
    platform_fields,
    snapshot,
)

pytest_plugins = ["tests.lti_fixtures"]  # the LMS, Lens registered in it, a browser


def _students(course: Course) -> list[str]:
    return sorted(
        Enrollment.objects.filter(classroom=course.classroom).values_list(
            "student__display_name", flat=True
        )
    )


def test_the_teachers_first_launch_makes_the_course_a_class_of_the_school(lti, browser_http):
    page = browser_http.launch(lti.lms, TEACHER)

    assert page.status_code == 200, page.text[:3000]
    teacher = User.objects.get(lms_accounts__subject=TEACHER)
    course = Course.objects.get(context_id=COURSE)
    assert page.url.endswith(reverse("lms:course", args=[course.pk]))
    assert (teacher.display_name, teacher.role, teacher.status) == (
        "Ms Rivera",
        "teacher",
        "approved",
    )
    assert teacher.school == lti.school and not teacher.has_usable_password()
    assert course.classroom.name == "History 7B" and course.classroom.teacher == teacher
    assert "Signed in as Ms Rivera" in text(page.text, ".who")


def test_the_roster_comes_with_the_teachers_launch_learners_only(lti, browser_http):
    page = browser_http.launch(lti.lms, TEACHER)

    course = Course.objects.get(context_id=COURSE)
    # Five members come in three pages (tests/lti_platform.py): the mentor is no student.
    assert _students(course) == ["Amira K.", "Ben O.", "Chloe D."]
    assert "3 students in the class, 3 from the LMS" in text(page.text, "#roster-count")
    assert_in_fragment(page.text, "#roster-last", "3 learners in the LMS course: 3 joined")


def test_a_learner_signs_in_to_the_same_account_at_each_launch(lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)
    student = Browser()

    first = student.launch(lti.lms, AMIRA)
    again = Browser().launch(lti.lms, AMIRA)

    amira = User.objects.get(lms_accounts__subject=AMIRA)
    course = Course.objects.get(context_id=COURSE)
    assert first.status_code == again.status_code == 200
    assert first.url.endswith(reverse("work:classroom", args=[course.classroom_id]))
    assert "Signed in as Amira K." in text(again.text, ".who")
    assert amira.is_student and not amira.has_usable_password()
    assert LmsAccount.objects.filter(subject=AMIRA).count() == 1


def test_a_learner_who_comes_before_the_teacher_is_told_to_wait_and_nothing_is_made(
    lti, browser_http
):
    before = snapshot()

    page = browser_http.launch(lti.lms, AMIRA)

    assert page.status_code == 409
    assert_in_fragment(page.text, "#lti-refusal", "Your teacher has not opened Lens")
    assert snapshot() == before


def test_a_member_who_is_neither_instructor_nor_learner_is_refused(lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)
    before = snapshot()

    page = Browser().launch(lti.lms, PAT)

    assert page.status_code == 403
    assert_in_fragment(page.text, "#lti-refusal", "neither an instructor nor a learner")
    assert snapshot() == before


def test_a_learner_made_instructor_keeps_one_role_per_account(lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)
    Browser().launch(lti.lms, AMIRA)
    lti.lms.courses[COURSE].members[AMIRA].roles = [INSTRUCTOR]

    page = Browser().launch(lti.lms, AMIRA)

    assert page.status_code == 403
    assert_in_fragment(page.text, "#lti-refusal", "your Lens account from this LMS is a student")
    assert User.objects.get(lms_accounts__subject=AMIRA).is_student


def test_the_same_subject_from_another_registration_is_another_person(lti, browser_http):
    """Another school registers another LMS that claims the same issuer: its launches sign its
    own users in, never the first registration's (it signs with its own keys)."""
    browser_http.launch(lti.lms, TEACHER)
    Browser().launch(lti.lms, AMIRA)
    other = LMS()
    try:
        other.client_id, other.issuer = "lens-at-southside", lti.lms.issuer
        other.connect(lti.lens_url)
        other.add_course(
            "Course-9", "Art 9", Member("teacher-9", "Mr Ito", [INSTRUCTOR]),
            Member(AMIRA, "Not Amira", [LEARNER]),
        )  # fmt: skip
        south = factories.make_school("Southside School")
        services.platform_register(
            school=south,
            fields=platform_fields(other, client_id=other.client_id, frame_origins=[other.url]),
        )
        Browser().launch(other, "teacher-9", "Course-9")

        page = Browser().launch(other, AMIRA, "Course-9")
    finally:
        other.close()

    assert "Signed in as Not Amira" in text(page.text, ".who")
    assert sorted(
        User.objects.filter(lms_accounts__subject=AMIRA).values_list("display_name", flat=True)
    ) == ["Amira K.", "Not Amira"]


def test_deep_linking_places_a_lesson_that_the_lms_link_opens(lti, browser_http):
    draft = factories.make_lesson()
    draft.is_published = False
    draft.save(update_fields=["is_published"])

    picker = browser_http.launch(lti.lms, TEACHER, deep=True)
    link_id = deep_link(browser_http, lti, lti.lesson)

    assert lti.lesson.title in text(picker.text, "form")
    assert draft.title not in picker.text
    item = lti.lms.deep_link_items[-1]
    assignment = Assignment.objects.get(lesson=lti.lesson, classroom__lms_course__context_id=COURSE)
    assert item["type"] == "ltiResourceLink" and item["url"].endswith(reverse("lms:launch"))
    assert item["custom"] == {"lens_assignment": str(assignment.pk)}
    assert item["lineItem"]["scoreMaximum"] == 5
    student = Browser().launch(lti.lms, AMIRA, link=link_id)
    assert student.url.endswith(reverse("work:assignment", args=[assignment.pk]))
    assert lti.lesson.title in text(student.text, "h1")
    teacher = browser_http.launch(lti.lms, TEACHER, link=link_id)
    assert teacher.url.endswith(reverse("insights:dashboard", args=[assignment.pk]))
    link = LinkedLesson.objects.get(assignment=assignment)
    assert link.resource_link_id == link_id
    assert link.lineitem_url == lti.lms.courses[COURSE].links[link_id].lineitem


def test_a_learner_cannot_place_lessons(lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)
    before = snapshot()

    page = Browser().launch(lti.lms, AMIRA, deep=True)

    assert page.status_code == 403
    assert_in_fragment(page.text, "#lti-refusal", "Only a course's instructors add Lens lessons")
    assert snapshot() == before


def test_a_link_that_names_another_class_assignment_opens_only_the_class(lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)
    elsewhere = factories.make_assignment(factories.make_classroom(factories.make_teacher()))
    lti.lms.add_link(COURSE, "rl-forged").custom = {"lens_assignment": str(elsewhere.pk)}

    page = Browser().launch(lti.lms, AMIRA, link="rl-forged")

    course = Course.objects.get(context_id=COURSE)
    assert page.url.endswith(reverse("work:classroom", args=[course.classroom_id]))


def test_the_teacher_syncs_the_roster_on_demand(lti, browser_http):
    page = browser_http.launch(lti.lms, TEACHER)
    course = Course.objects.get(context_id=COURSE)
    walk_in = factories.make_student("Dana Walk-in", course.classroom)  # joined with the code
    members = lti.lms.courses[COURSE].members
    members[BEN].status = "Inactive"
    del members[CHLOE]
    members["learner-4"] = Member("learner-4", "Eve N.", [LEARNER])
    members[AMIRA].name = "Amira Khan"

    page = browser_http.csrf_post(page, reverse("lms:course_sync", args=[course.pk]), {})

    assert page.status_code == 200
    assert _students(course) == ["Amira Khan", "Dana Walk-in", "Eve N."]
    assert_in_fragment(
        page.text, ".messages", "2 learners in the LMS course: 1 joined the class, 2 left it."
    )
    assert walk_in.enrollments.filter(classroom=course.classroom).exists()


def test_a_roster_the_lms_does_not_send_leaves_the_class_as_it_was(lti, browser_http):
    page = browser_http.launch(lti.lms, TEACHER)
    course = Course.objects.get(context_id=COURSE)
    Course.objects.filter(pk=course.pk).update(memberships_url=lti.lms.url + "/nrps/Course-gone")

    page = browser_http.csrf_post(page, reverse("lms:course_sync", args=[course.pk]), {})

    assert_in_fragment(page.text, ".messages", "The LMS did not send the roster")
    assert_in_fragment(page.text, "#roster-last", "the class stays as it was")
    assert _students(course) == ["Amira K.", "Ben O.", "Chloe D."]


# --- the key set and the login ----------------------------------------------------------------


def test_the_key_set_publishes_lenss_public_key_only(lti, browser_http):
    keys = browser_http.request("GET", lti.lens_url + reverse("lms:jwks")).json()["keys"]

    assert len(keys) == 1
    assert {keys[0]["alg"], keys[0]["use"], keys[0]["kty"]} == {"RS256", "sig", "RSA"}
    assert keys[0]["kid"] and "d" not in keys[0]  # no private part


def test_the_login_sends_the_browser_to_the_lms_with_a_state_kept_in_a_cookie_for_frames(
    lti, browser_http
):
    start = browser_http.request("GET", lti.lms.start_url(TEACHER, COURSE))
    for login in (
        start.headers["Location"],
        lti.lens_url
        + reverse("lms:login_for", args=[lti.platform.registration.uuid])
        + "?"
        + urlsplit(start.headers["Location"]).query,
    ):
        response = browser_http.request("GET", login)

        assert response.status_code == 302
        target = urlsplit(response.headers["Location"])
        query = parse_qs(target.query)
        assert f"{target.scheme}://{target.netloc}{target.path}" == lti.lms.url + "/authorize"
        assert query["redirect_uri"] == [lti.lens_url + reverse("lms:launch")]
        assert query["client_id"] == [lti.lms.client_id] and query["nonce"][0]
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith(f"lti1p3-{query['state'][0]}=")
        for attribute in ("HttpOnly", "SameSite=None", "Secure", "Partitioned"):
            assert attribute in cookie


# --- framing ---------------------------------------------------------------------------------


def _frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(p.strip() for p in policy.split(";") if "frame-ancestors" in p)


def test_the_pages_reached_from_a_launch_may_be_framed_by_the_lms_only(lti, browser_http):
    browser_http.launch(lti.lms, TEACHER)
    student = Browser()
    form = student.launch_form(lti.lms, AMIRA)

    launched = student.request("POST", form.action, form.fields)
    page = student.request("GET", lti.lens_url + launched.headers["Location"])
    other_page = student.request("GET", lti.lens_url + reverse("library:taxonomies"))

    for response in (launched, page, other_page):
        assert _frame_ancestors(response) == f"frame-ancestors {lti.lms.url}"
        assert "X-Frame-Options" not in response.headers
    session_cookie = next(
        c for c in launched.raw.headers.getlist("Set-Cookie") if c.startswith("sessionid=")
    )
    assert "SameSite=None" in session_cookie and "Secure" in session_cookie
    assert "Partitioned" in session_cookie


def test_every_other_page_stays_unframeable(lti, browser_http, client):
    teacher = factories.make_teacher()
    client.force_login(teacher)
    signed_in_here = client.get(reverse("work:home"))
    anonymous = browser_http.request("GET", lti.lens_url + reverse("library:taxonomies"))

    for response in (signed_in_here, anonymous):
        assert _frame_ancestors(response) == "frame-ancestors 'none'"
        assert response.headers["X-Frame-Options"] == "DENY"


# --- over HTTPS --------------------------------------------------------------------------------


def test_over_https_the_nonce_is_kept_under_the_browsers_own_cookie_and_works_once(client, db):
    """In production (HTTPS), PyLTI1p3 keeps the nonce under a cookie of the browser's own
    (`lti1p3-session-id`, partitioned too): the launch finds it there, and takes it out."""
    lms = LMS()
    try:
        lms.connect("https://testserver")
        lms.add_course(COURSE, "History 7B", Member(TEACHER, "Ms Rivera", [INSTRUCTOR]))
        services.platform_register(
            school=factories.make_school("Northside School"), fields=platform_fields(lms)
        )
        login = urlsplit(
            Browser().request("GET", lms.start_url(TEACHER, COURSE)).headers["Location"]
        )
        to_lms = client.get(f"{login.path}?{login.query}", secure=True)
        form = auto_form(Browser().request("GET", to_lms["Location"]))
        assert form is not None and form.action == "https://testserver/lti/launch/"

        launched = client.post(reverse("lms:launch"), form.fields, secure=True)
        replayed = client.post(reverse("lms:launch"), form.fields, secure=True)
    finally:
        lms.close()

    assert "Partitioned" in to_lms.cookies["lti1p3-session-id"].output()
    assert launched.status_code == 302, launched.content.decode()[:2000]
    assert launched["Location"] == reverse("lms:course", args=[Course.objects.get().pk])
    assert replayed.status_code == 400
    assert_in_fragment(replayed.content, "#lti-refusal", "used already")
