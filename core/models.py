import hashlib
import secrets
import unicodedata
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read aloud or copied off a board stays unambiguous.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
# 25^10, about 9.5 * 10^13 codes: with the throttle on wrong codes (core.throttle), guessing
# any class's code is hopeless. Shown in groups of four: ACDE-FGHJ-KM.
JOIN_CODE_LENGTH = 10
JOIN_CODE_GROUP = 4


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(code: str) -> str:
    """The code as stored, from the code as typed: in any case, with or without the hyphens,
    spaces or other separators, in a phone keyboard's full-width letters."""
    return "".join(c for c in unicodedata.normalize("NFKC", code) if c.isalnum()).upper()


def format_join_code(code: str) -> str:
    """The code as shown and read out: ACDE-FGHJ-KM."""
    return "-".join(code[i : i + JOIN_CODE_GROUP] for i in range(0, len(code), JOIN_CODE_GROUP))


class School(models.Model):
    """A school: its teachers, and its admins (teachers with `User.is_school_admin`), who invite
    and approve the others. The site operator creates schools (the admin, `create_school`)."""

    NAME_MAX_LENGTH = 200

    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        TEACHER = "teacher", _("Teacher")

    class Status(models.TextChoices):
        """A teacher's standing: approved by a school's admin (or invited by one, or by the
        operator), or still waiting. Only approved teachers see other authors' answer keys
        and assign lessons (`core.access`). Students' accounts keep the default."""

        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")

    display_name = models.CharField(max_length=60)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STUDENT)
    status = models.CharField(
        _("teacher status"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        help_text=_(
            "An approved teacher sees answer keys and assigns lessons; a pending one writes "
            "drafts and sees only the keys of their own lessons."
        ),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teachers",
        help_text=_("The school a teacher teaches at (or, while pending, asked to join)."),
    )
    is_school_admin = models.BooleanField(
        _("school admin"),
        default=False,
        help_text=_("Invites and approves the school's teachers. An approved teacher of a school."),
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of Lens's pages for this user; empty: the browser's."),
    )
    email_verified = models.BooleanField(
        _("e-mail address confirmed"),
        default=False,
        help_text=_(
            "A teacher signs in once the e-mail address is confirmed (by the link sent on "
            "sign-up, an invitation or a password reset)."
        ),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["student", "teacher"]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved"]), name="user_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(is_school_admin=False)
                | models.Q(role="teacher", status="approved", school__isnull=False),
                name="user_school_admin_is_an_approved_teacher_of_a_school",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_teacher(self) -> bool:
        return self.role == self.Role.TEACHER

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def is_approved_teacher(self) -> bool:
        return self.is_teacher and self.status == self.Status.APPROVED

    @property
    def is_pending_teacher(self) -> bool:
        return self.is_teacher and self.status != self.Status.APPROVED

    @property
    def administers_school(self) -> bool:
        """An admin of a school: invites its teachers and approves those who ask to join."""
        return self.is_approved_teacher and self.is_school_admin and self.school_id is not None

    @staticmethod
    def free_username(display_name: str) -> str:
        """A readable login for a student who gave only a display name: "amira-k-4821"."""
        base = slugify(display_name)[:20].strip("-") or "student"
        while True:
            candidate = f"{base}-{secrets.randbelow(9000) + 1000}"
            if not User.objects.filter(username=candidate).exists():
                return candidate


class ClassroomQuerySet(models.QuerySet):
    def taught_by(self, user):
        return self.filter(teacher=user)

    def attended_by(self, user):
        return self.filter(enrollments__student=user)


class Classroom(models.Model):
    name = models.CharField(max_length=100)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classrooms_taught"
    )
    join_code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClassroomQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def regenerate_join_code(self) -> None:
        """Give the class a fresh code (the old one stops working at once)."""
        for _attempt in range(20):
            self.join_code = new_join_code()
            try:
                with transaction.atomic():
                    self.save(update_fields=["join_code", "updated_at"])
                return
            except IntegrityError:
                continue
        raise RuntimeError("Could not find a free join code")

    @property
    def join_code_display(self) -> str:
        return format_join_code(self.join_code)


class Enrollment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student__display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "student"], name="enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.classroom}"


INVITATION_LIFETIME = timedelta(days=7)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Invitations whose link still works: not accepted, not expired."""
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A school admin's (or the operator's) invitation to teach at a school: a link that works
    once, until `expires_at`, on which the invited teacher chooses a username and a password
    and becomes an approved teacher of the school. Only a hash of the link's token is kept."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text=_("Where the link was sent."))
    username = models.CharField(
        max_length=150, blank=True, help_text=_("A username suggested on the link (create_school).")
    )
    as_admin = models.BooleanField(
        _("as a school admin"),
        default=False,
        help_text=_("The teacher becomes an admin of the school."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the operator invited (create_school)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} to {self.school}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_of(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Job(models.Model):
    """A piece of long work done by the worker for one user (a class moved to a new revision,
    a large import or export), and how far it has got: what its page shows while the
    browser polls it (`core.jobs`). The task's own record is the task backend's; this one is
    Lens's, so that its page reads one row whatever the backend."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Working out what moving a class would do")
        MOVE = "move", _("Moving a class to a new revision")
        IMPORT = "import", _("Importing lessons")
        CORPUS = "corpus", _("Importing a corpus article")
        EXPORT = "export", _("Exporting a class's work")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Not done")  # Lens said no (a problem in an import): final
        FAILED = "failed", _("Stopped")  # an error, or the worker stopped: may be retried

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # What the work is about, to find the work under way on it: "assignment:12".
    subject = models.CharField(max_length=100, blank=True, db_index=True)
    title = models.CharField(max_length=300)
    # The task that does the work (its module path, to enqueue it again on a retry) and the
    # attempt: a retry counts up, and an earlier attempt still running stops at its next step.
    task_path = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # The language of the request that started the work: the worker writes its steps and
    # outcome in it (`core.jobs.run`), since they are stored as they are written.
    language = models.CharField(max_length=10, blank=True)
    step = models.CharField(max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)  # 0: how much is left is not known
    message = models.TextField(blank=True)  # the outcome, for the person who asked
    problems = models.JSONField(default=list, blank=True)  # e.g. every problem of an import
    result_url = models.CharField(max_length=300, blank=True)
    result_label = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    payload = models.BinaryField(default=b"", blank=True)  # an upload, until it is imported
    output = models.BinaryField(default=b"", blank=True)  # a file made for its owner
    output_name = models.CharField(max_length=200, blank=True)
    output_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # every step of the work moves it
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.REFUSED, self.State.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Not finished, and no step for longer than JOB_STALLED_AFTER: the worker was
        stopped, or is not running."""
        return not self.is_finished and self.updated_at < timezone.now() - (
            settings.JOB_STALLED_AFTER
        )

    @property
    def may_retry(self) -> bool:
        return self.state == self.State.FAILED or self.is_stalled

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
