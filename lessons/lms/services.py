"""Writes for LMS integration: platform registrations and keys, what a verified launch does
(accounts, the course's class, enrolment, the link to an assignment), deep linking, rosters
(Names and Role Provisioning) and grades (Assignment and Grade Services)."""

import itertools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import Key, LtiDeployment, LtiRegistration
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService

from core import services as core_services
from core.access import NOT_APPROVED, may_assign
from core.models import Classroom, Enrollment, School, User
from core.refusals import Refusal
from lessons.insights import scoring
from lessons.insights.selectors.dashboard import load_class
from lessons.library.models import Lesson
from lessons.work import services as work_services
from lessons.work.models import MAX_SCORE, Review

from . import lti
from .lti import plain
from .models import Course, GradeSend, LinkedLesson, LmsAccount, Platform

logger = logging.getLogger("lens.lms")

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
TEACHER, STUDENT = User.Role.TEACHER, User.Role.STUDENT
CUSTOM_ASSIGNMENT = "lens_assignment"  # the custom parameter a deep-linked LMS link carries
F1_MAXIMUM = 100
MAX_TRIES = 6  # failed sends of one grade before Lens waits for the teacher's "Send now"


def web_url(value: object) -> str:
    """A service URL from a claim, if it is one (http or https, not too long), else ""."""
    url = plain(value, 1000)
    return url if url.startswith(("https://", "http://")) else ""


# --- keys ------------------------------------------------------------------------------------


def keys_ensure() -> Key:
    """Lens's signing key, made now if there is none: before Lens signs anything for a
    platform, or a platform is registered (the key set URL must have a key to show)."""
    key = lti.signing_key()
    return key if key is not None else Key.objects.generate()


@transaction.atomic
def keys_rotate(*, retire_after: timedelta, now: datetime | None = None) -> tuple[Key, list[Key]]:
    """A new signing key; and the keys retired from the key set: those replaced by a newer key
    more than `retire_after` ago. A key just replaced stays published for that long, since a
    platform may still check something it signed (a deep linking response, a token request)
    or hold the key set in its cache."""
    now = now or timezone.now()
    new = Key.objects.generate()
    published = list(Key.objects.active().order_by("datetime_created", "pk"))
    retired = [
        key
        for key, newer in itertools.pairwise(published)
        if newer.datetime_created <= now - retire_after
    ]
    Key.objects.filter(pk__in=[key.pk for key in retired]).update(is_active=False)
    return new, retired


# --- platforms -------------------------------------------------------------------------------


@dataclass
class PlatformFields:
    name: str
    issuer: str
    client_id: str
    auth_url: str
    token_url: str
    keyset_url: str
    audience: str
    deployment_ids: list[str]
    frame_origins: list[str]


def _save_registration(registration: LtiRegistration, fields: PlatformFields) -> None:
    for name in ("name", "issuer", "client_id", "auth_url", "token_url", "keyset_url", "audience"):
        setattr(registration, name, getattr(fields, name))
    registration.is_active = True
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise Refusal(
            _(
                "Lens already has a registration with this issuer and client ID. Each LMS "
                "registration of Lens has its own client ID."
            ),
            status=409,
            field="client_id",
        ) from None


def _save_deployments(registration: LtiRegistration, deployment_ids: list[str]) -> None:
    """The registration's deployments are the IDs given: new ones added, missing ones switched
    off (their courses stay, and work again if the ID comes back)."""
    existing = {d.deployment_id: d for d in registration.deployments.all()}
    for deployment_id in deployment_ids:
        if deployment_id not in existing:
            LtiDeployment.objects.create(
                registration=registration, deployment_id=deployment_id, is_active=True
            )
    registration.deployments.filter(deployment_id__in=deployment_ids).update(is_active=True)
    registration.deployments.exclude(deployment_id__in=deployment_ids).update(is_active=False)


@transaction.atomic
def platform_register(*, school: School, fields: PlatformFields) -> Platform:
    """A school's admin registers Lens in an LMS: the registration, its deployments, and the
    school it belongs to."""
    keys_ensure()
    registration = LtiRegistration()
    _save_registration(registration, fields)
    _save_deployments(registration, fields.deployment_ids)
    return Platform.objects.create(
        registration=registration, school=school, frame_origins="\n".join(fields.frame_origins)
    )


@transaction.atomic
def platform_update(*, platform: Platform, fields: PlatformFields) -> Platform:
    registration = platform.registration
    _save_registration(registration, fields)
    _save_deployments(registration, fields.deployment_ids)
    platform.frame_origins = "\n".join(fields.frame_origins)
    platform.save(update_fields=["frame_origins"])
    return platform


# --- launches --------------------------------------------------------------------------------


def role_of(roles: object) -> str | None:
    """The Lens role of an LMS user in a course: Instructor (and its sub-roles, a teaching
    assistant) teaches, Learner studies; any other role has no place in Lens."""
    names = set()
    for role in roles if isinstance(roles, list) else []:
        if not isinstance(role, str):
            continue
        role = normalize_role(role)
        if role.startswith(MEMBERSHIP + "#"):
            names.add(role.partition("#")[2])
        elif role.startswith(MEMBERSHIP + "/"):
            names.add(role[len(MEMBERSHIP) + 1 :].partition("#")[0])
    if "Instructor" in names:
        return TEACHER
    if "Learner" in names:
        return STUDENT
    return None


def display_name(claims: dict[str, Any], role: str) -> str:
    """The name the LMS gives, made fit for a display name (printable, 60 characters)."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = (claims.get("given_name"), claims.get("family_name"))
        name = " ".join(p for p in parts if isinstance(p, str))
    name = " ".join("".join(c for c in name if c.isprintable()).split())[:60].strip()
    return name or ("Teacher" if role == TEACHER else "Student")


def _new_user(*, name: str, role: str, school: School) -> User:
    """A Lens account for an LMS user: no password (they sign in through the LMS) and no
    e-mail address. A teacher is an approved teacher of the school that registered the LMS:
    the school vouches for its LMS's instructors by registering it."""
    user = User(username=User.free_username(name), display_name=name, role=role)
    if role == TEACHER:
        user.status = User.Status.APPROVED
        user.school = school
    user.set_unusable_password()
    user.save()
    return user


def _role_refusal(user: User, role: str) -> Refusal:
    if role == TEACHER:
        message = _(
            "Your LMS opens Lens for you as a teacher, but your Lens account from this LMS is "
            "a student's. Lens keeps one role per account: ask your school's admin."
        )
    else:
        message = _(
            "Your LMS opens Lens for you as a student, but your Lens account from this LMS is "
            "a teacher's. Lens keeps one role per account: ask your school's admin."
        )
    return Refusal(message, status=403)


def account_for(*, platform: Platform, subject: str, name: str, role: str, now: datetime) -> User:
    """The Lens account of the LMS user `subject`, made on their first launch."""
    account = (
        LmsAccount.objects.select_related("user").filter(platform=platform, subject=subject).first()
    )
    if account is None:
        try:
            with transaction.atomic():
                user = _new_user(name=name, role=role, school=platform.school)
                LmsAccount.objects.create(
                    platform=platform, subject=subject, user=user, last_launch_at=now
                )
                return user
        except IntegrityError:  # the same person's other launch made it a moment ago
            account = LmsAccount.objects.select_related("user").get(
                platform=platform, subject=subject
            )
    user = account.user
    if not user.is_active:
        raise Refusal(_("This Lens account is switched off. Ask your school's admin."), status=403)
    if user.role != role:
        raise _role_refusal(user, role)
    if user.display_name != name:
        user.display_name = name
        user.save(update_fields=["display_name"])
    LmsAccount.objects.filter(pk=account.pk).update(last_launch_at=now)
    return user


def _course_services(course: Course, claims: dict[str, Any]) -> None:
    """The course's title and service URLs, as this launch gives them."""
    context = claims.get(lti.CONTEXT) or {}
    names_roles = claims.get(lti.NAMES_ROLES) or {}
    grades = claims.get(lti.GRADES) or {}
    course.title = plain(context.get("title")) or plain(context.get("label")) or course.title
    if memberships := web_url(names_roles.get("context_memberships_url")):
        course.memberships_url = memberships
    if lineitems := web_url(grades.get("lineitems")):
        course.lineitems_url = lineitems
    scopes = grades.get("scope")
    if isinstance(scopes, list):
        course.ags_scopes = [s for s in scopes if plain(s, 200)]
    course.save()


def _course_for(launch: lti.VerifiedLaunch, context_id: str, teacher: User | None) -> Course:
    """The course's record, made with its class at the instructor's first launch (`teacher`),
    or a refusal for a learner who comes first."""
    course = (
        Course.objects.select_related("classroom__teacher")
        .filter(deployment=launch.deployment, context_id=context_id)
        .first()
    )
    if course is not None:
        return course
    if teacher is None:
        raise Refusal(
            _(
                "Your teacher has not opened Lens from this course yet. Once they have, open "
                "it again from the course."
            ),
            status=409,
        )
    context = launch.claim(lti.CONTEXT) or {}
    title = plain(context.get("title")) or plain(context.get("label")) or "LMS course"
    try:
        with transaction.atomic():
            classroom = core_services.classroom_create(teacher=teacher, name=title[:100])
            return Course.objects.create(
                platform=launch.platform,
                deployment=launch.deployment,
                context_id=context_id,
                title=title,
                classroom=classroom,
            )
    except IntegrityError:  # another launch of the same course made it a moment ago
        return Course.objects.select_related("classroom__teacher").get(
            deployment=launch.deployment, context_id=context_id
        )


def _link_for(course: Course, claims: dict[str, Any]) -> LinkedLesson | None:
    """The linked lesson this LMS link opens: named by the custom parameter Lens put in it
    when it was deep-linked (only an assignment of this course's class counts), or known by
    its resource link ID. Its gradebook column comes with the launch."""
    custom = claims.get(lti.CUSTOM)
    wanted = custom.get(CUSTOM_ASSIGNMENT) if isinstance(custom, dict) else None
    resource = claims.get(lti.RESOURCE_LINK) or {}
    resource_link_id = plain(resource.get("id") if isinstance(resource, dict) else None)
    links = LinkedLesson.objects.filter(course=course).select_related("assignment")
    link = None
    if isinstance(wanted, str) and wanted.isdigit():
        link = links.filter(assignment_id=int(wanted)).first()
    if link is None and resource_link_id:
        link = links.filter(resource_link_id=resource_link_id).first()
    if link is None:
        return None
    grades = claims.get(lti.GRADES) or {}
    lineitem = web_url(grades.get("lineitem")) if isinstance(grades, dict) else ""
    changed = {
        field: value
        for field, value in (("resource_link_id", resource_link_id), ("lineitem_url", lineitem))
        if value and getattr(link, field) != value
    }
    if changed:
        LinkedLesson.objects.filter(pk=link.pk).update(**changed)
        for field, value in changed.items():
            setattr(link, field, value)
    return link


@dataclass
class Arrival:
    """Where a verified launch leads: who signed in, in which course, to which lesson."""

    user: User
    course: Course
    link: LinkedLesson | None
    deep_linking: bool


def launch_accept(*, launch: lti.VerifiedLaunch) -> Arrival:
    """What a verified launch does in Lens, in one transaction: the user's account (made on
    their first launch), the course's class (made at its instructor's first launch), a
    learner's enrolment, and the lesson the LMS link opens. A launch Lens will not take
    (another role, a course without its teacher yet) changes nothing."""
    claims = launch.claims
    role = role_of(claims.get(lti.ROLES))
    if role is None:
        raise Refusal(
            _(
                "Lens is for the teachers and students of a course, and your LMS names you "
                "neither an instructor nor a learner of this one."
            ),
            status=403,
        )
    deep_linking = launch.message_type == "LtiDeepLinkingRequest"
    if deep_linking and role != TEACHER:
        raise Refusal(_("Only a course's instructors add Lens lessons to it."), status=403)
    context = claims.get(lti.CONTEXT)
    context_id = plain(context.get("id") if isinstance(context, dict) else None)
    subject = plain(claims.get("sub"))
    if not context_id or not subject:
        raise Refusal(
            _("Lens opens from a course: your LMS did not say which course, or who you are.")
            + " "
            + _(lti.AGAIN),
            status=400,
        )
    now = timezone.now()
    with transaction.atomic():
        if role == STUDENT:
            _course_for(launch, context_id, teacher=None)  # refused before anything is made
        user = account_for(
            platform=launch.platform,
            subject=subject,
            name=display_name(claims, role),
            role=role,
            now=now,
        )
        course = _course_for(launch, context_id, teacher=user if role == TEACHER else None)
        if role == TEACHER and course.classroom.teacher_id != user.pk:
            raise Refusal(
                _(
                    "This course's class in Lens is taught by %(teacher)s, who opened Lens from "
                    "it first: a Lens class has one teacher."
                )
                % {"teacher": course.classroom.teacher},
                status=403,
            )
        _course_services(course, claims)
        if role == STUDENT:
            core_services.student_enroll(classroom=course.classroom, student=user)
        link = None if deep_linking else _link_for(course, claims)
    return Arrival(user=user, course=course, link=link, deep_linking=deep_linking)


# --- deep linking ----------------------------------------------------------------------------


def deep_link_respond(
    *,
    course: Course,
    teacher: User,
    lesson: Lesson,
    grade_source: str,
    settings: dict[str, Any],
    deployment_id: str,
    target_url: str,
) -> str:
    """The teacher picked `lesson` for their LMS course: it is assigned to the course's class
    (or was already), and the answer to the LMS is a signed deep linking response naming
    one LMS link that opens it, with a gradebook column if it has none yet."""
    if not may_assign(teacher):
        raise Refusal(str(NOT_APPROVED), status=403)
    if course.classroom.teacher_id != teacher.pk:
        raise Refusal(_("Only the class's teacher adds lessons to it."), status=403)
    keys_ensure()
    with transaction.atomic():
        assignment, _created = work_services.assignment_create(
            classroom=course.classroom, lesson=lesson
        )
        link, created = LinkedLesson.objects.get_or_create(
            course=course, assignment=assignment, defaults={"grade_source": grade_source}
        )
        if link.grade_source != grade_source:
            link.grade_source = grade_source
            link.save(update_fields=["grade_source"])
    resource = (
        DeepLinkResource()
        .set_url(target_url)
        .set_title(lesson.title)
        .set_custom_params({CUSTOM_ASSIGNMENT: str(assignment.pk)})
    )
    if created or not link.lineitem_url:
        maximum = F1_MAXIMUM if grade_source == LinkedLesson.GradeSource.F1 else MAX_SCORE
        resource.set_lineitem(
            LineItem()
            .set_label(lesson.title)
            .set_score_maximum(maximum)
            .set_resource_id(f"lens-assignment-{assignment.pk}")
            .set_tag("lens")
        )
    registration = course.platform.registration
    deep_link = DeepLink(lti.registration_of(registration), deployment_id, settings)  # type: ignore[arg-type]
    return str(deep_link.get_response_jwt([resource]))


def link_update(*, link: LinkedLesson, grade_source: str) -> None:
    """Which grade goes to the gradebook from now on (grades already sent are sent again at
    the next run, since their value changes)."""
    LinkedLesson.objects.filter(pk=link.pk).update(grade_source=grade_source)
    link.grade_source = grade_source


# --- rosters (Names and Role Provisioning Services) --------------------------------------------


def _fail_roster(course: Course, message: str, status: int) -> Refusal:
    """Keep the failure for the course's page, and say it."""
    Course.objects.filter(pk=course.pk).update(
        roster_synced_at=timezone.now(), roster_message=message[:300], roster_failed=True
    )
    return Refusal(message, status=status)


def course_roster_sync(*, course: Course) -> str:
    """Bring the class's students in line with the LMS course's learners: active learners are
    enrolled (with an account made for those who never opened Lens), learners who left or
    are inactive leave the class (their work stays), and names follow the LMS. Students who
    joined with the class code are left as they are. Returns what changed, in words; a
    roster the LMS does not send is refused (and kept, for the course's page)."""
    if not course.memberships_url:
        raise _fail_roster(
            course,
            _(
                "The LMS does not share this course's roster with Lens (Names and Role "
                "Provisioning is not switched on for Lens there)."
            ),
            409,
        )
    keys_ensure()
    platform = course.platform
    service = NamesRolesProvisioningService(
        lti.Connector(platform.registration),
        {"context_memberships_url": course.memberships_url},
    )
    try:
        members = service.get_members()
    except (LtiException, requests.RequestException, ValueError) as error:
        logger.warning("Roster of course %s not read: %s", course.pk, str(error)[:300])
        raise _fail_roster(
            course,
            _("The LMS did not send the roster; the class stays as it was. Try again later."),
            502,
        ) from None
    learners: dict[str, str] = {}
    for member in members:
        subject = plain(member.get("user_id"))
        status = member.get("status", "Active")
        if subject and status == "Active" and role_of(member.get("roles")) == STUDENT:
            learners[subject] = display_name(dict(member), STUDENT)
    with transaction.atomic():
        classroom = Classroom.objects.select_for_update().get(pk=course.classroom_id)
        accounts = {
            a.subject: a.user
            for a in LmsAccount.objects.filter(platform=platform)
            .select_related("user")
            .filter(Q(subject__in=learners) | Q(user__enrollments__classroom=classroom))
        }
        enrolled = set(
            Enrollment.objects.filter(classroom=classroom).values_list("student_id", flat=True)
        )
        added = 0
        for subject, name in learners.items():
            user = accounts.get(subject)
            if user is None:
                user = _new_user(name=name, role=STUDENT, school=platform.school)
                LmsAccount.objects.create(platform=platform, subject=subject, user=user)
            elif not user.is_student:
                continue
            elif user.display_name != name:
                user.display_name = name
                user.save(update_fields=["display_name"])
            if user.pk not in enrolled:
                core_services.student_enroll(classroom=classroom, student=user)
                added += 1
        leaving = [
            user.pk
            for subject, user in accounts.items()
            if subject not in learners and user.pk in enrolled and user.is_student
        ]
        Enrollment.objects.filter(classroom=classroom, student__in=leaving).delete()
        message = ngettext(
            "%(count)s learner in the LMS course: %(added)s joined the class, %(left)s left it.",
            "%(count)s learners in the LMS course: %(added)s joined the class, %(left)s left it.",
            len(learners),
        ) % {"count": len(learners), "added": added, "left": len(leaving)}
        Course.objects.filter(pk=course.pk).update(
            roster_synced_at=timezone.now(), roster_message=message, roster_failed=False
        )
    return message


# --- grades (Assignment and Grade Services) ----------------------------------------------------


@dataclass
class DueGrade:
    student: User
    subject: str  # the student's user ID in the LMS
    score: float
    maximum: float


def grades_due(link: LinkedLesson, *, now: datetime) -> list[DueGrade]:
    """Each grade the LMS should have now: for every student of the class who came from this
    LMS and whose feedback is released, the teacher's overall score (out of MAX_SCORE) or the
    highlights' F1 against the key (out of 100), as the link says. A student without one yet
    (no overall score given) has none."""
    assignment = link.assignment
    by_f1 = link.grade_source == LinkedLesson.GradeSource.F1
    work = load_class(assignment, with_key=by_f1, submitted_only=True)
    subjects = dict(
        LmsAccount.objects.filter(
            platform=link.course.platform_id, user__in=[s.pk for s in work.students]
        ).values_list("user_id", "subject")
    )
    key = scoring.KeyIndex(work.key_spans) if by_f1 and work.key_spans else None
    overall = dict(
        Review.objects.filter(
            submission__assignment=assignment,
            prompt__isnull=True,
            key_span__isnull=True,
            score__isnull=False,
            reviewed_at__isnull=False,
        ).values_list("submission_id", "score")
    )
    due = []
    for student in work.students:
        submission = work.submissions.get(student.pk)
        subject = subjects.get(student.pk)
        if submission is None or subject is None:
            continue
        if not assignment.feedback_released_for(submission, now):
            continue
        if by_f1:
            if key is None:
                continue
            f1 = key.score(work.spans.get(student.pk, [])).f1
            due.append(DueGrade(student, subject, round(100 * f1, 1), F1_MAXIMUM))
        elif (score := overall.get(submission.pk)) is not None:
            due.append(DueGrade(student, subject, float(score), float(MAX_SCORE)))
    return due


def next_try(attempts: int, now: datetime) -> datetime | None:
    """When a grade that failed `attempts` times in a row is tried again: after 5, 10, 20,
    40, 80 minutes; after MAX_TRIES failures, only when the teacher asks."""
    if attempts >= MAX_TRIES:
        return None
    return now + timedelta(minutes=5 * 2 ** (attempts - 1))


def _failure(error: Exception) -> str:
    if isinstance(error, requests.RequestException):
        return _("The LMS did not answer.")
    response = getattr(error, "response", None)
    if response is not None:
        return _("The LMS refused the grade (HTTP %(status)s).") % {"status": response.status_code}
    return _("The LMS does not let Lens send grades to this course.")


def _service(link: LinkedLesson) -> AssignmentsGradesService:
    course = link.course
    data: dict[str, Any] = {"scope": list(course.ags_scopes)}
    if course.lineitems_url:
        data["lineitems"] = course.lineitems_url
    if link.lineitem_url:
        data["lineitem"] = link.lineitem_url
    return AssignmentsGradesService(lti.Connector(course.platform.registration), data)  # type: ignore[arg-type]


def _column(link: LinkedLesson, service: AssignmentsGradesService) -> str:
    """The gradebook column's URL: given by the launches of the link, or found (or made) in
    the course's gradebook when the LMS lets Lens manage columns."""
    if link.lineitem_url:
        return link.lineitem_url
    course = link.course
    if not course.lineitems_url or lti.LINEITEM_SCOPE not in course.ags_scopes:
        return ""
    maximum = F1_MAXIMUM if link.grade_source == LinkedLesson.GradeSource.F1 else MAX_SCORE
    lineitem = service.find_or_create_lineitem(
        LineItem()
        .set_label(link.assignment.lesson.title)
        .set_score_maximum(maximum)
        .set_resource_id(f"lens-assignment-{link.assignment_id}")
        .set_tag("lens"),
        find_by="resource_id",
    )
    url = web_url(lineitem.get_id())
    if url:
        LinkedLesson.objects.filter(pk=link.pk).update(lineitem_url=url)
        link.lineitem_url = url
        service._service_data["lineitem"] = url
    return url


def _record(link: LinkedLesson, message: str, now: datetime) -> str:
    LinkedLesson.objects.filter(pk=link.pk).update(last_run_at=now, last_run_message=message[:300])
    link.last_run_at, link.last_run_message = now, message[:300]
    return message


def grades_send(*, link: LinkedLesson, force: bool = False, now: datetime | None = None) -> str:
    """Send each due grade the LMS does not have yet (`grades_due`): a new or changed grade,
    or one whose last try failed and whose time to try again has come (at once, if `force`:
    the teacher's "Send grades now"). Each student's last result is kept (`GradeSend`), and
    what the run did, in words, is the link's `last_run_message`. A network failure stops the
    run: the rest wait for the next one."""
    now = now or timezone.now()
    if lti.SCORE_SCOPE not in link.course.ags_scopes:
        return _record(
            link,
            _(
                "The LMS does not let Lens send grades to this course (Assignment and Grade "
                "Services is not switched on for Lens there)."
            ),
            now,
        )
    due = grades_due(link, now=now)
    last = {g.student_id: g for g in GradeSend.objects.filter(link=link)}
    todo = []
    for grade in due:
        previous = last.get(grade.student.pk)
        if previous is None:
            todo.append(grade)
        elif previous.status == GradeSend.Status.SENT:
            if (previous.score_given, previous.score_maximum) != (grade.score, grade.maximum):
                todo.append(grade)
        elif (
            force
            or (previous.next_try_at is not None and previous.next_try_at <= now)
            or (previous.score_given, previous.score_maximum) != (grade.score, grade.maximum)
        ):
            todo.append(grade)
    if not todo:
        return _record(
            link,
            ngettext(
                "Nothing new to send: %(count)s grade is in the LMS.",
                "Nothing new to send: %(count)s grades are in the LMS.",
                len(due),
            )
            % {"count": len(due)},
            now,
        )
    keys_ensure()
    service = _service(link)
    try:
        column = _column(link, service)
    except (LtiException, requests.RequestException, ValueError) as error:
        logger.warning("No gradebook column for link %s: %s", link.pk, str(error)[:300])
        column = ""
    if not column:
        return _record(
            link,
            _(
                "No gradebook column for this lesson: open it once from the LMS link that the "
                "lesson was added with, so that the LMS tells Lens its column."
            ),
            now,
        )
    sent = failed = 0
    stopped = False
    for grade in todo:
        payload = (
            Grade()
            .set_score_given(grade.score)
            .set_score_maximum(grade.maximum)
            .set_timestamp(now.isoformat())
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(grade.subject)
        )
        previous = last.get(grade.student.pk)
        row = previous or GradeSend(link=link, student=grade.student)
        row.score_given, row.score_maximum, row.tried_at = grade.score, grade.maximum, now
        try:
            service.put_grade(payload)
        except (LtiException, requests.RequestException, ValueError) as error:
            logger.warning(
                "Grade of student %s for link %s not sent: %s",
                grade.student.pk,
                link.pk,
                str(error)[:300],
            )
            row.status = GradeSend.Status.FAILED
            row.attempts = (row.attempts if previous is not None else 0) + 1
            row.next_try_at = next_try(row.attempts, now)
            row.message = _failure(error)
            failed += 1
            stopped = isinstance(error, requests.RequestException)
        else:
            row.status = GradeSend.Status.SENT
            row.attempts, row.next_try_at, row.sent_at, row.message = 0, None, now, ""
            sent += 1
        row.save()
        if stopped:
            break
    parts = [_("%(count)s sent") % {"count": sent}]
    if failed:
        parts.append(_("%(count)s not sent (tried again later)") % {"count": failed})
    if stopped:
        parts.append(
            _("%(count)s left for the next run: the LMS did not answer")
            % {"count": len(todo) - sent - failed}
        )
    return _record(link, _("Grades: %(parts)s.") % {"parts": ", ".join(parts)}, now)
