import os
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from core import services as core_services
from core.models import Classroom, School, User
from lessons.library import services as library_services
from lessons.library.anchoring import locate
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import Lesson
from lessons.work import services as work_services

SEED_DIR = Path(__file__).resolve().parents[4] / "lessons" / "library" / "seed"
DEMO_LESSON = "solidarity-resolution-2017"
SCHOOL_NAME = "Lens Demo School"
TEACHER = ("teacher", "Ms Rivera", "lens-teacher-demo")
# The school's admin (approves and invites teachers), and a teacher who signed up and waits.
SCHOOL_ADMIN = ("principal", "Mr Okafor", "lens-admin-demo")
PENDING_TEACHER = ("newteacher", "Mx Lee", "lens-pending-demo")
STUDENTS = [
    ("amira", "Amira K.", "lens-student-demo"),
    ("ben", "Ben O.", "lens-student-demo"),
    ("chloe", "Chloé D.", "lens-student-demo"),
]
CLASS_NAME = "10B Media Studies (demo)"

# Some work for the demo students: (segment, words, technique code, note).
DEMO_WORK = {
    "amira": [
        (
            1,
            "His Excellency Kim Jong Un",
            "Appeal_to_Authority",
            "A grand title to make him sound right.",
        ),
        (2, "imperialists' vicious sanctions", "Loaded_Language", "'Vicious' makes us angry."),
        (2, "world-startling miracles", "Exaggeration,Minimisation", ""),
        (3, "put an end to the nuclear war threat", "Causal_Oversimplification", ""),
        (4, '"threats"', "Doubt", "The quotation marks say the threats are not real."),
    ],
    "ben": [
        (1, "powerful socialist nation", "Flag-Waving", ""),
        (2, "imperialists", "Name_Calling,Labeling", "Calls the other side a bad name."),
    ],
    "chloe": [],
}


class Command(BaseCommand):
    help = (
        "Load the seed lesson, a demo school with its admin, a teacher and a teacher waiting "
        "for approval, a class and three students with some work."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for path in sorted(SEED_DIR.glob("*.md")):
            if path.name == "README.md":
                continue
            data = parse_lesson(path.read_text(encoding="utf-8"))
            if not Lesson.objects.filter(slug=data.meta["slug"]).exists():
                library_services.lesson_import(data=data)
                self.stdout.write(f"Imported the lesson {data.meta['slug']}.")
        lesson = Lesson.objects.get(slug=DEMO_LESSON, root__isnull=True)

        school, _ = School.objects.get_or_create(name=SCHOOL_NAME)
        teacher = self._teacher(*TEACHER, school=school)
        self._teacher(*SCHOOL_ADMIN, school=school, is_school_admin=True)
        pending = self._teacher(*PENDING_TEACHER, school=school, approved=False)
        classroom = Classroom.objects.filter(teacher=teacher, name=CLASS_NAME).first()
        if classroom is None:
            classroom = core_services.classroom_create(teacher=teacher, name=CLASS_NAME)
        # The class may have been moved to a later revision of the lesson since the last run.
        assignment = (
            classroom.assignments.filter(Q(lesson=lesson) | Q(lesson__root=lesson)).first()
            or work_services.assignment_create(classroom=classroom, lesson=lesson)[0]
        )
        lesson = assignment.lesson
        segments = {s.position: s for s in lesson.segments.all()}
        techniques = {t.code: t for t in lesson.taxonomy.techniques.all()}
        for username, name, password in STUDENTS:
            student = self._user(username, name, password, role=User.Role.STUDENT)
            core_services.student_enroll(classroom=classroom, student=student)
            work = DEMO_WORK[username]
            if not work:
                continue
            submission = work_services.submission_for(assignment=assignment, student=student)
            if submission.highlights.exists():
                continue
            for position, words, code, note in work:
                segment = segments[position]
                work_services.highlight_create(
                    submission=submission,
                    segment=segment,
                    technique=techniques[code],
                    anchor=locate(segment.text, words, occurrence=1),
                    note=note,
                )
            last = max(position for position, *_ in work)
            work_services.submission_move(submission=submission, position=last)
            prompt = segments[1].prompts.filter(kind="text").first()
            if prompt:
                work_services.answers_save(
                    submission=submission,
                    texts={prompt: "It makes the leader sound like the source of every idea."},
                    choices={},
                )

        waiting = " (waiting for approval)" if pending.is_pending_teacher else ""
        logins = [
            ("teacher", *TEACHER, f"teaches the demo class at {school}"),
            ("school admin", *SCHOOL_ADMIN, f"admin of {school}: invites and approves teachers"),
            ("teacher", *PENDING_TEACHER, f"signed up, asked to join {school}{waiting}"),
            *(("student", u, n, p, "in the demo class") for u, n, p in STUDENTS),
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo ready. Open http://{os.getenv('HOST', '127.0.0.1')}:"
                f"{os.getenv('PORT', '8000')}/ and log in as:\n"
                + "".join(
                    f"  {who:12} {u:10} password {p:18} {n}, {what}\n"
                    for who, u, n, p, what in logins
                )
                + f"Class “{classroom.name}” has the join code {classroom.join_code_display}.\n"
            )
        )

    def _teacher(
        self,
        username: str,
        name: str,
        password: str,
        *,
        school: School,
        is_school_admin: bool = False,
        approved: bool = True,
    ) -> User:
        """A demo teacher of the demo school, e-mail address confirmed. A teacher made before
        schools came joins the school; one approved since (the waiting one, say) stays so."""
        teacher = self._user(username, name, password, role=User.Role.TEACHER)
        if teacher.school_id is None:
            teacher.school = school
            teacher.email = teacher.email or f"{username}@example.org"
            teacher.email_verified = True
            if approved:
                teacher.status = User.Status.APPROVED
            teacher.is_school_admin = is_school_admin
            teacher.save()
        return teacher

    def _user(self, username: str, name: str, password: str, *, role: str) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"display_name": name, "role": role}
        )
        if created:
            user.set_password(password)
            user.save()
        return user
