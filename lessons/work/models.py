"""Students' work on an assignment: the assignment itself, each student's submission, their
highlights and answers, their teacher's reviews, and what a move to a new revision could not
place."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.refusals import Refusal
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Technique, TextSpan


class AssignmentQuerySet(models.QuerySet):
    def for_student(self, user):
        return self.filter(classroom__enrollments__student=user)

    def for_teacher(self, user):
        return self.filter(classroom__teacher=user)


class Assignment(models.Model):
    class Release(models.TextChoices):
        ON_SUBMIT = "on_submit", gettext_lazy("As soon as the student hands in")
        AFTER_DUE = "after_due", gettext_lazy("After the due date")
        MANUAL = "manual", gettext_lazy("When I release it")

    classroom = models.ForeignKey(
        "core.Classroom", on_delete=models.CASCADE, related_name="assignments"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="assignments")
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    accept_late = models.BooleanField(
        default=True,
        help_text=gettext_lazy("Let students go on working after the due date (marked late)."),
    )
    feedback_release = models.CharField(
        max_length=10, choices=Release.choices, default=Release.ON_SUBMIT
    )
    feedback_released_at = models.DateTimeField(
        null=True, blank=True, help_text="When the teacher released feedback (manual release)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "lesson"], name="assignment_unique"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(due_at__isnull=True)
                | Q(due_at__gt=models.F("opens_at")),
                name="assignment_due_after_open",
            ),
            models.CheckConstraint(
                condition=~Q(feedback_release="after_due", due_at__isnull=True),
                name="assignment_after_due_needs_due",
            ),
            models.CheckConstraint(
                condition=Q(feedback_release__in=["on_submit", "after_due", "manual"]),
                name="assignment_release_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lesson} for {self.classroom}"

    def get_absolute_url(self) -> str:
        return reverse("work:assignment", args=[self.pk])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at is None or self.opens_at <= now

    def feedback_released_for(self, submission: "Submission | None", now=None) -> bool:
        """Whether this student may see the key and their feedback now."""
        if submission is None or not submission.is_submitted:
            return False
        now = now or timezone.now()
        match self.feedback_release:
            case self.Release.ON_SUBMIT:
                return True
            case self.Release.AFTER_DUE:
                due = submission.due_at
                return due is None or due <= now
            case _:
                return self.feedback_released_at is not None


class Submission(models.Model):
    """One student's work on one assignment: where they are, and whether it is handed in."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    position = models.PositiveSmallIntegerField(default=1, help_text="Segment to resume at.")
    reached = models.PositiveSmallIntegerField(default=1, help_text="Furthest segment opened.")
    extended_due_at = models.DateTimeField(
        null=True, blank=True, help_text="A later due date for this student only."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "student"], name="submission_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="submission_position_pos"),
            models.CheckConstraint(
                condition=Q(reached__gte=models.F("position")), name="submission_reached_ge_pos"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} on {self.assignment}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def due_at(self):
        """This student's due date: their extension, or the assignment's."""
        return self.extended_due_at or self.assignment.due_at

    @property
    def is_late(self) -> bool:
        due = self.due_at
        return self.submitted_at is not None and due is not None and self.submitted_at > due

    def is_past_due(self, now=None) -> bool:
        due = self.due_at
        return due is not None and (now or timezone.now()) > due

    def check_open(self) -> None:
        """Refuse (409) any change to work that is handed in, or past its due date when the
        assignment takes no late work."""
        if self.is_submitted:
            raise Refusal(
                _("You have already handed this lesson in, so it can no longer be changed."),
                status=409,
            )
        if not self.assignment.accept_late and self.is_past_due():
            raise Refusal(
                _(
                    "The due date has passed, so this lesson can no longer be changed. "
                    "Your saved work is kept; ask your teacher if you need more time."
                ),
                status=409,
            )


class Highlight(TextSpan):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="highlights")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="highlights")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["segment", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="highlight_nonempty"
            ),
            models.UniqueConstraint(
                fields=["submission", "segment", "technique", "start", "end"],
                name="highlight_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technique.code}: {self.quote}"


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)
    techniques = models.ManyToManyField(Technique, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "prompt"], name="answer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.submission}: {self.prompt}"


MAX_SCORE = 5


class Review(models.Model):
    """A teacher's comment and score on one student's answer to a prompt, on their work on
    one key span, or (neither) on the whole submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    key_span = models.ForeignKey(
        KeySpan, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    comment = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(prompt__isnull=True) | Q(key_span__isnull=True),
                name="review_one_target",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=MAX_SCORE), name="review_score_max"
            ),
            models.UniqueConstraint(
                fields=["submission", "prompt"],
                condition=Q(prompt__isnull=False),
                name="review_unique_prompt",
            ),
            models.UniqueConstraint(
                fields=["submission", "key_span"],
                condition=Q(key_span__isnull=False),
                name="review_unique_key_span",
            ),
            models.UniqueConstraint(
                fields=["submission"],
                condition=Q(prompt__isnull=True, key_span__isnull=True),
                name="review_unique_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.submission}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class RevisionMove(models.Model):
    """A teacher moved an assignment from one revision of its lesson to a later one."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="moves")
    from_lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    to_lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="+")
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    moved_at = models.DateTimeField(default=timezone.now)
    placed = models.PositiveIntegerField(default=0, help_text="Highlights re-anchored.")

    class Meta:
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.assignment}: revision {self.from_lesson.revision} → {self.to_lesson.revision}"
        )


class UnplacedWork(models.Model):
    """Student work (or a teacher's review of it) that could not be carried over to the new
    revision when an assignment was moved: kept here, whole, and listed for the teacher."""

    class Kind(models.TextChoices):
        HIGHLIGHT = "highlight", gettext_lazy("Highlight")
        ANSWER = "answer", gettext_lazy("Answer")
        REVIEW = "review", gettext_lazy("Review")

    move = models.ForeignKey(RevisionMove, on_delete=models.CASCADE, related_name="unplaced")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="unplaced")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=200)
    segment_position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The passage it was in, in the old revision."
    )
    quote = models.TextField(blank=True)
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    technique = models.ForeignKey(
        Technique, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    techniques = models.ManyToManyField(Technique, blank=True, related_name="+")
    prompt_text = models.TextField(blank=True)
    text = models.TextField(blank=True, help_text="The note, answer or comment.")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "segment_position", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["highlight", "answer", "review"]), name="unplaced_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.submission}: {self.reason}"


class AuditEvent(models.Model):
    """One thing somebody did with students' work or data: who, when, what (viewed, exported,
    changed or deleted), about which student (or a whole class), in which class, on which
    object. Written by `services.audit_record`, one INSERT per action; read by school admins
    (`selectors.audit_events`) and, read-only, in the admin.

    The rows outlive what they are about: the object is named by its type and id, not a
    foreign key, and when a student's data is deleted their events stay with `student` empty
    and only `student_ref` (the deleted account's number) left, so the record of who saw and
    deleted their work survives without their name."""

    class Action(models.TextChoices):
        VIEWED = "viewed", gettext_lazy("Viewed")
        EXPORTED = "exported", gettext_lazy("Exported")
        CHANGED = "changed", gettext_lazy("Changed")
        DELETED = "deleted", gettext_lazy("Deleted")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who did it (empty once their account is deleted: see actor_name).",
    )
    actor_name = models.CharField(
        max_length=220, help_text="Who did it, as named when they did it: name (username)."
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text="The student it is about; empty for a whole class, or once deleted.",
    )
    student_ref = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The student's account number, kept when the account is deleted.",
    )
    classroom = models.ForeignKey(
        "core.Classroom",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The class it happened in, if any.",
    )
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text="What, in plain words.")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["viewed", "exported", "changed", "deleted"]),
                name="audit_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.object_type} {self.object_id or ''}".strip()
