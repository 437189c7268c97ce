"""Grades to the LMS's gradebook (Assignment and Grade Services), against the LMS of
tests/lti_platform.py over HTTP: once feedback is released, each student's grade (the
teacher's overall score, or the highlights' F1 if the teacher chooses) reaches the LMS's
score endpoint; a failed send is tried again later, and the teacher sees the last result."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import User
from lessons.lms import services
from lessons.lms.models import Course, GradeSend, LinkedLesson
from lessons.work import services as work_services
from lessons.work.models import Assignment

from . import factories
from .html import assert_in_fragment, text
from .lti_support import AMIRA, BEN, COURSE, Browser, deep_link

pytest_plugins = ["tests.lti_fixtures"]  # the LMS, Lens registered in it, a browser


class Linked:
    """The teacher added the lesson to the LMS course; Amira and Ben opened it from there."""

    def __init__(self, lti, browser_http, source: str = "teacher") -> None:
        self.lti, self.teacher_browser = lti, browser_http
        self.link_id = deep_link(browser_http, lti, lti.lesson, source)
        self.assignment = Assignment.objects.get(lesson=lti.lesson)
        self.link = LinkedLesson.objects.get(assignment=self.assignment)
        for sub in (AMIRA, BEN):
            Browser().launch(lti.lms, sub, link=self.link_id)
        self.amira = User.objects.get(lms_accounts__subject=AMIRA)
        self.ben = User.objects.get(lms_accounts__subject=BEN)
        self.column = lti.lms.courses[COURSE].links[self.link_id].lineitem

    def scores(self) -> dict[str, tuple[float, float]]:
        """What the LMS's gradebook holds for this lesson, by user ID."""
        item = next(
            i for i in self.lti.lms.courses[COURSE].lineitems.values() if i.id == self.column
        )
        return {user: (s["scoreGiven"], s["scoreMaximum"]) for user, s in item.scores.items()}

    def hand_in(self, student: User, *, quotes=()) -> None:
        for quote, technique in quotes:
            factories.make_highlight(self.assignment, student, quote, technique)
        factories.hand_in(self.assignment, student)

    def score(self, student: User, value: int) -> None:
        submission = self.assignment.submissions.get(student=student)
        work_services.review_save(
            submission=submission,
            reviewer=self.assignment.classroom.teacher,
            comment="",
            score=value,
        )

    def course_page(self):
        course = Course.objects.get(context_id=COURSE)
        return self.teacher_browser.go(self.lti.lens_url + reverse("lms:course", args=[course.pk]))


@pytest.fixture
def linked(lti, browser_http) -> Linked:
    return Linked(lti, browser_http)


def test_released_grades_reach_the_lms_gradebook_with_the_teachers_score(linked):
    linked.hand_in(linked.amira)
    linked.hand_in(linked.ben)  # handed in, not scored yet: no grade

    linked.score(linked.amira, 4)  # feedback is released on hand-in: sent at once

    assert linked.scores() == {AMIRA: (4.0, 5.0)}
    post = linked.lti.lms.score_posts[-1][1]
    assert (post["activityProgress"], post["gradingProgress"]) == ("Completed", "FullyGraded")
    page = linked.course_page()
    assert_in_fragment(page.text, f"#link-{linked.link.pk} table", "Amira K. 4 / 5 Sent")
    assert_in_fragment(page.text, f"#link-{linked.link.pk} .grades-last", "Grades: 1 sent.")


def test_a_grade_is_sent_again_only_when_it_changes(linked):
    linked.hand_in(linked.amira)
    linked.score(linked.amira, 4)
    call_command("lti_send_grades")
    call_command("lti_send_grades")
    sent_once = len(linked.lti.lms.score_posts)

    linked.score(linked.amira, 5)
    call_command("lti_send_grades")

    assert sent_once == 1
    assert len(linked.lti.lms.score_posts) == 2
    assert linked.scores() == {AMIRA: (5.0, 5.0)}


def test_the_highlights_f1_when_the_teacher_chooses_it(linked):
    page = linked.course_page()
    page = linked.teacher_browser.csrf_post(
        page, reverse("lms:link_settings", args=[linked.link.pk]), {"grade_source": "f1"}
    )
    # Amira highlights exactly the key (F1 = 1); Ben hands in without a highlight (F1 = 0).
    for quote, technique, occurrence, position in (
        ("glorious leader", "Loaded_Language", None, 1),
        ("traitors", "Name_Calling,Labeling", 1, 1),
        ("traitors", "Name_Calling,Labeling", 2, 1),
        ("Everyone 𝒜gree𝓈 with us", "Bandwagon,Reductio_ad_hitlerum", None, 2),
    ):
        factories.make_highlight(
            linked.assignment,
            linked.amira,
            quote,
            technique,
            occurrence=occurrence,
            position=position,
        )
    linked.hand_in(linked.amira)
    linked.hand_in(linked.ben)

    call_command("lti_send_grades")

    assert_in_fragment(page.text, ".messages", "the highlights' f1 score")
    assert linked.scores() == {AMIRA: (100.0, 100.0), BEN: (0.0, 100.0)}


def test_nothing_is_sent_before_the_teacher_releases_feedback(linked):
    Assignment.objects.filter(pk=linked.assignment.pk).update(feedback_release="manual")
    linked.hand_in(linked.amira)
    linked.score(linked.amira, 3)

    call_command("lti_send_grades")
    before_release = linked.scores()
    work_services.feedback_release(assignment=linked.assignment)
    call_command("lti_send_grades")

    assert before_release == {}
    assert linked.scores() == {AMIRA: (3.0, 5.0)}


def test_grades_reach_the_lms_when_feedback_is_released_and_when_a_score_changes(linked):
    """No command and no button: the release, and a score saved after it, send the grades
    (once the write is committed)."""
    Assignment.objects.filter(pk=linked.assignment.pk).update(feedback_release="manual")
    linked.hand_in(linked.amira)
    linked.score(linked.amira, 3)
    before_release = linked.scores()

    work_services.feedback_release(assignment=linked.assignment)
    released = linked.scores()
    linked.score(linked.amira, 5)

    assert before_release == {}
    assert released == {AMIRA: (3.0, 5.0)}
    assert linked.scores() == {AMIRA: (5.0, 5.0)}


def test_a_student_who_did_not_come_from_the_lms_has_no_grade_sent(linked):
    walk_in = factories.make_student("Dana Walk-in", linked.assignment.classroom)
    linked.hand_in(walk_in)
    linked.score(walk_in, 5)

    call_command("lti_send_grades")

    assert linked.scores() == {}


def test_a_failed_send_is_tried_again_later_and_the_teacher_sees_it(linked):
    linked.hand_in(linked.amira)
    linked.lti.lms.fail_scores = 1

    linked.score(linked.amira, 4)  # sent at once, and refused by the LMS
    failed = GradeSend.objects.get(student=linked.amira)
    page = linked.course_page()
    call_command("lti_send_grades")  # too soon: not tried again
    tried_too_soon = len(linked.lti.lms.score_posts)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=True):
        call_command("lti_send_grades")

    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.next_try_at - failed.tried_at == timedelta(minutes=5)
    assert_in_fragment(page.text, f"#link-{linked.link.pk} table", "Not sent (1 try)")
    assert_in_fragment(page.text, f"#link-{linked.link.pk} table", "refused the grade (HTTP 500)")
    assert tried_too_soon == 0
    assert linked.scores() == {AMIRA: (4.0, 5.0)}
    assert GradeSend.objects.get(student=linked.amira).status == "sent"


def test_the_teachers_send_now_tries_a_failed_grade_at_once(linked):
    linked.hand_in(linked.amira)
    linked.score(linked.amira, 2)
    linked.lti.lms.fail_scores = 1
    call_command("lti_send_grades")

    page = linked.course_page()
    page = linked.teacher_browser.csrf_post(
        page, reverse("lms:grades_send", args=[linked.link.pk]), {}
    )

    assert linked.scores() == {AMIRA: (2.0, 5.0)}
    assert_in_fragment(page.text, f"#link-{linked.link.pk} table", "Amira K. 2 / 5 Sent")


def test_an_lms_that_does_not_answer_stops_the_run_and_nothing_is_lost(linked):
    Assignment.objects.filter(pk=linked.assignment.pk).update(feedback_release="manual")
    linked.hand_in(linked.amira)
    linked.hand_in(linked.ben)
    linked.score(linked.amira, 4)
    linked.score(linked.ben, 3)
    linked.lti.lms.close()

    work_services.feedback_release(assignment=linked.assignment)  # sends both: the LMS is gone

    rows = list(GradeSend.objects.order_by("pk"))
    link = LinkedLesson.objects.get(pk=linked.link.pk)
    assert [(r.status, r.message) for r in rows] == [("failed", "The LMS did not answer.")]
    assert "1 left for the next run: the LMS did not answer" in link.last_run_message


def test_failed_grades_are_tried_after_5_10_20_40_and_80_minutes_then_left_to_the_teacher():
    now = timezone.now()

    waits = [services.next_try(n, now) for n in range(1, services.MAX_TRIES + 1)]

    assert [w - now for w in waits[:-1]] == [timedelta(minutes=m) for m in (5, 10, 20, 40, 80)]
    assert waits[-1] is None


def test_a_course_whose_lms_takes_no_grades_says_so(linked):
    Course.objects.filter(context_id=COURSE).update(ags_scopes=[])
    linked.hand_in(linked.amira)
    linked.score(linked.amira, 4)

    call_command("lti_send_grades")
    page = linked.course_page()

    assert linked.scores() == {}
    assert "does not let Lens send grades to this course" in text(page.text, "#lessons-heading + p")
    assert_in_fragment(page.text, f"#link-{linked.link.pk} .grades-last", "does not let Lens send")
