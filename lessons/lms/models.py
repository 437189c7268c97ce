"""Lens and the schools' learning-management systems, over LTI 1.3 (docs/lti.md).

django-lti keeps what the protocol needs: a platform's registration (issuer, client id,
endpoints, key set URL), its deployments and Lens's own signing keys. These models tie that to
Lens: which school registered a platform, which Lens account an LMS user signs in to, which
Lens class an LMS course became, which assignment an LMS link opens, and the last grade Lens
sent to the LMS's gradebook for each student.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A host name, or an IPv6 address: nothing that could end a header's directive (`;`, space).
_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")


def origin_of(url: str) -> str:
    """`https://lms.example.org` from `https://lms.example.org/path?x`; "" if not a web URL
    (or its host is not one)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if not _HOST.fullmatch(parts.hostname):
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


class Platform(models.Model):
    """An LMS that a school registered Lens in: the registration Lens keeps for it (django-lti's
    `LtiRegistration`, with its deployments), the school, and the web origins of the LMS's
    pages, the only ones allowed to show Lens in a frame."""

    registration = models.OneToOneField(
        "lti_tool.LtiRegistration", on_delete=models.CASCADE, related_name="lens_platform"
    )
    school = models.ForeignKey(
        "core.School", on_delete=models.CASCADE, related_name="lms_platforms"
    )
    frame_origins = models.TextField(
        "LMS web addresses",
        blank=True,
        help_text="The addresses of the LMS's pages that may show Lens in a frame, one per "
        "line (https://school.instructure.com). Empty: the origins of the issuer and of the "
        "authentication URL.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "registration__name", "id"]

    def __str__(self) -> str:
        return f"{self.registration.name} ({self.school})"

    @property
    def origins(self) -> list[str]:
        """The origins that may frame Lens's pages for this platform's users."""
        given = [origin_of(line) for line in self.frame_origins.split()]
        if not any(given):
            given = [origin_of(self.registration.issuer), origin_of(self.registration.auth_url)]
        return list(dict.fromkeys(origin for origin in given if origin))


class LmsAccount(models.Model):
    """A person of an LMS and the Lens account they sign in to from it. The LMS names them by
    its issuer and their subject (`sub`, stable and never reused); Lens takes that name only
    from launches signed for this platform's registration, so another registration with the
    same issuer can never sign in someone this one vouched for."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="accounts")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lms_accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_launch_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["platform", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "subject"], name="lms_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.platform.registration.issuer}"


class Course(models.Model):
    """An LMS course (an LTI context, in one deployment) and the Lens class it became: taught
    by the instructor who first opened Lens from it, with the course's learners as students.
    The services' URLs come with each launch."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="courses")
    deployment = models.ForeignKey(
        "lti_tool.LtiDeployment", on_delete=models.CASCADE, related_name="lens_courses"
    )
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    classroom = models.OneToOneField(
        "core.Classroom", on_delete=models.CASCADE, related_name="lms_course"
    )
    memberships_url = models.URLField(
        "roster URL", max_length=1000, blank=True, help_text="Names and Role Provisioning."
    )
    lineitems_url = models.URLField(
        "gradebook URL", max_length=1000, blank=True, help_text="Assignment and Grade Services."
    )
    ags_scopes = models.JSONField(default=list, blank=True)
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_message = models.CharField(max_length=300, blank=True)
    roster_failed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "context_id"], name="lms_course_unique"),
        ]

    def __str__(self) -> str:
        return self.title or self.context_id


class LinkedLesson(models.Model):
    """A Lens assignment placed in an LMS course by deep linking: the LMS link that opens it
    (known from its first launch), the gradebook column its grades go to, and which grade."""

    class GradeSource(models.TextChoices):
        TEACHER = "teacher", _("My overall score of each student's work")
        F1 = "f1", _("The highlights' F1 score against the answer key")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="links")
    assignment = models.ForeignKey(
        "work.Assignment", on_delete=models.CASCADE, related_name="lms_links"
    )
    resource_link_id = models.CharField(max_length=255, blank=True)
    lineitem_url = models.URLField("gradebook column", max_length=1000, blank=True)
    grade_source = models.CharField(
        "grade sent to the LMS",
        max_length=10,
        choices=GradeSource.choices,
        default=GradeSource.TEACHER,
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "assignment"], name="lms_link_unique"),
            models.CheckConstraint(
                condition=Q(grade_source__in=["teacher", "f1"]), name="lms_link_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} in {self.course}"


class GradeSend(models.Model):
    """The last grade Lens sent, or tried to send, for one student's work on a linked lesson.
    A send that failed is tried again later (`next_try_at`), a few times, then left for the
    teacher's "Send grades now"."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    link = models.ForeignKey(LinkedLesson, on_delete=models.CASCADE, related_name="grade_sends")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    score_given = models.FloatField()
    score_maximum = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed tries since the last one that worked."
    )
    tried_at = models.DateTimeField()
    next_try_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["link", "student__display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["link", "student"], name="lms_grade_send_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["sent", "failed"]), name="lms_grade_send_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student}: {self.score_given:g}/{self.score_maximum:g} ({self.status})"
