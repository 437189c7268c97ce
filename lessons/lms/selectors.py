"""Reads for the LMS pages, in a fixed number of queries whatever the class size."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch

from core.models import Enrollment, School

from .lti import SCORE_SCOPE
from .models import Course, GradeSend, LinkedLesson, LmsAccount, Platform


@dataclass
class LinkCard:
    """A lesson placed in the LMS course, with each student's last grade sent (or tried)."""

    link: LinkedLesson
    grades: list[GradeSend]

    @property
    def sent(self) -> int:
        return sum(g.status == GradeSend.Status.SENT for g in self.grades)

    @property
    def failed(self) -> list[GradeSend]:
        return [g for g in self.grades if g.status == GradeSend.Status.FAILED]


@dataclass
class CoursePage:
    course: Course
    student_count: int  # students in the class
    lms_student_count: int  # of whom came from the LMS
    links: list[LinkCard]

    @property
    def sends_grades(self) -> bool:
        return SCORE_SCOPE in self.course.ags_scopes


def course_page(course: Course) -> CoursePage:
    """The teacher's page of an LMS course: its roster's state and its linked lessons with
    the grades sent, in four queries."""
    students = Enrollment.objects.filter(classroom=course.classroom_id).values("student_id")
    lms_students = LmsAccount.objects.filter(platform=course.platform_id, user__in=students).count()
    links = list(
        LinkedLesson.objects.filter(course=course)
        .select_related("assignment__lesson")
        .prefetch_related(
            Prefetch(
                "grade_sends",
                queryset=GradeSend.objects.select_related("student").order_by(
                    "student__display_name", "pk"
                ),
            )
        )
        .order_by("created_at", "pk")
    )
    return CoursePage(
        course=course,
        student_count=Enrollment.objects.filter(classroom=course.classroom_id).count(),
        lms_student_count=lms_students,
        links=[LinkCard(link, list(link.grade_sends.all())) for link in links],
    )


@dataclass
class PlatformCard:
    platform: Platform
    deployment_ids: list[str]  # switched on
    course_count: int


def platforms_of(school: School) -> list[PlatformCard]:
    """The LMSs a school registered Lens in, with their deployments, in two queries."""
    platforms = (
        Platform.objects.filter(school=school)
        .select_related("registration")
        .prefetch_related("registration__deployments")
        .annotate(course_count=Count("courses"))
        .order_by("registration__name", "pk")
    )
    return [
        PlatformCard(
            platform=p,
            deployment_ids=sorted(
                d.deployment_id for d in p.registration.deployments.all() if d.is_active
            ),
            course_count=p.course_count,
        )
        for p in platforms
    ]
