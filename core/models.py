import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read aloud or copied off a board stays unambiguous.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


class User(AbstractUser):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"

    display_name = models.CharField(max_length=60)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STUDENT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["student", "teacher"]), name="user_role_valid"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_teacher(self) -> bool:
        return self.role == self.Role.TEACHER

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

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
        for _ in range(20):
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
        return f"{self.join_code[:3]}-{self.join_code[3:]}"


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
