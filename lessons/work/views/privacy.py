"""Students' data (shared/DESIGN.md: "teachers can export and delete a student's data"; issue
10, item 7; docs/privacy.md):

- a teacher, or the school's admin, downloads one student's data (a zip of JSON and CSV);
- they delete it, after a confirmation page that names the student and lists what goes;
- a student downloads their own work from their home page;
- a school's admin reads the audit log: who viewed, exported, changed or deleted students'
  work, and lists the school's classes and students to reach the first two.

Downloads are POST forms: each is recorded in the audit log, and recording is a write.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import get_school_for_admin
from core.models import Classroom, User
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, done, refusals

from .. import exports, selectors, services
from ..access import classes_in_care_of, get_student_in_care, get_student_of_school
from ..forms import StudentDeleteForm
from ..models import AuditEvent

AUDIT_PAGE_SIZE = 100


def _scope(user: User, classroom: Classroom) -> str:
    if user.administers_school and user.school is not None:
        return (
            f"What Lens stores about the student in the classes of {user.school.name}, "
            "whose admin made this export."
        )
    return f"What Lens stores about the student in the classes {user.display_name} teaches."


@login_required
@require_POST
def student_export(request: AuthenticatedRequest, pk: int, student_pk: int) -> HttpResponse:
    """One student's data, as a zip: from their class's page (their teacher) or the school's
    students page (its admin)."""
    classroom, student = get_student_in_care(request.user, pk, student_pk)
    now = timezone.now()
    data = selectors.student_data(
        student,
        made_by=request.user,
        care=classes_in_care_of(request.user),
        scope=_scope(request.user, classroom),
        now=now,
    )
    content = exports.student_zip(data)
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORTED,
        student_id=student.pk,
        classroom_id=classroom.pk,
        obj=student,
        detail="Downloaded the student's data (zip of JSON and CSV)",
    )
    return exports.zip_response(exports.zip_filename(student, now), content)


def _back(user: User, classroom: Classroom) -> str:
    """Where a teacher or an admin came from: the class's page, or the school's students."""
    if classroom.teacher_id == user.pk:
        return reverse("work:classroom", args=[classroom.pk])
    return reverse("work:school_students")


def _delete_page(
    request: AuthenticatedRequest,
    classroom: Classroom,
    student: User,
    *,
    form: StudentDeleteForm | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    plan = selectors.deletion_plan(student, care=classes_in_care_of(request.user))
    return render(
        request,
        "work/student_delete.html",
        {
            "classroom": classroom,
            "student": student,
            "plan": plan,
            "form": form or StudentDeleteForm(),
            "refused": refused,
            "back_url": _back(request.user, classroom),
            "may_remove": classroom.teacher_id == request.user.pk,
        },
        status=status,
    )


def _delete_refused(
    request: AuthenticatedRequest, pk: int, student_pk: int, *, refusal: Refusal
) -> HttpResponse:
    classroom, student = get_student_in_care(request.user, pk, student_pk)
    return _delete_page(request, classroom, student, refused=refusal.message)


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_delete_refused, shows_message=True)
def student_delete(request: AuthenticatedRequest, pk: int, student_pk: int) -> HttpResponse:
    """GET: what deleting the student's data takes away, and a box to tick. POST: delete it
    (`services.student_delete` says who may)."""
    classroom, student = get_student_in_care(request.user, pk, student_pk)
    if request.method == "GET":
        return _delete_page(request, classroom, student)
    form = StudentDeleteForm(request.POST)
    if not form.is_valid():
        return _delete_page(request, classroom, student, form=form, status=400)
    name = student.display_name
    services.student_delete(student=student, by=request.user, classroom=classroom)
    return done(
        request,
        _("%(name)s's account and all their work are deleted.") % {"name": name},
        redirect_to=_back(request.user, classroom),
    )


@login_required
@require_POST
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    """A student's own work and account, as a zip (from their home page)."""
    student = request.user
    if not student.is_student:
        raise Http404
    now = timezone.now()
    data = selectors.student_data(
        student, made_by=student, care=None, scope=exports.OWN_SCOPE, now=now
    )
    content = exports.student_zip(data)
    services.audit_record(
        actor=student,
        action=AuditEvent.Action.EXPORTED,
        student_id=student.pk,
        obj=student,
        detail="Downloaded their own work (zip of JSON and CSV)",
    )
    return exports.zip_response(exports.zip_filename(student, now), content)


@login_required
@require_GET
def school_students(request: AuthenticatedRequest) -> HttpResponse:
    """A school admin's list of the school's classes and students, each with their data's
    download, deletion and audit log."""
    school = get_school_for_admin(request.user)
    return render(
        request,
        "work/school_students.html",
        {"school": school, "classes": selectors.school_classes(school)},
    )


@login_required
@require_GET
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    """The audit log of the school, newest first, a hundred events a page; `?student=<id>`
    for one student's. Only the school's admins read it (and the operator, in the admin)."""
    school = get_school_for_admin(request.user)
    student = None
    if "student" in request.GET:
        raw = request.GET["student"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise Http404
        student = get_student_of_school(school, int(raw))
    events = selectors.audit_events(school, student=student)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"student={student.pk}&" if student else ""
    return render(
        request,
        "work/audit_log.html",
        {"school": school, "student": student, "page": page, "query": query},
    )
