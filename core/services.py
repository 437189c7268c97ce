"""Writes that touch users, schools, classes and enrolments."""

import secrets

from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import throttle
from .models import (
    INVITATION_LIFETIME,
    Classroom,
    Enrollment,
    Invitation,
    School,
    User,
    new_join_code,
)
from .refusals import Refusal


@transaction.atomic
def classroom_create(*, teacher: User, name: str) -> Classroom:
    for _attempt in range(20):
        try:
            with transaction.atomic():
                return Classroom.objects.create(
                    teacher=teacher, name=name, join_code=new_join_code()
                )
        except IntegrityError:
            continue  # the code was taken a moment ago: draw another
    raise RuntimeError("Could not find a free join code")


@transaction.atomic
def student_register(*, display_name: str, password: str) -> User:
    user = User(
        username=User.free_username(display_name),
        display_name=display_name,
        role=User.Role.STUDENT,
    )
    user.set_password(password)
    user.save()
    return user


def student_enroll(*, classroom: Classroom, student: User) -> tuple[Enrollment, bool]:
    """Enrol a student; joining a class twice is harmless."""
    return Enrollment.objects.get_or_create(classroom=classroom, student=student)


@transaction.atomic
def teacher_register(
    *,
    username: str,
    display_name: str,
    email: str,
    password: str,
    school: School | None = None,
    status: str = User.Status.PENDING,
    is_school_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """A teacher's account. By default as the sign-up page makes it: waiting for approval by
    the admin of `school` (the school they asked to join, if any), and unable to sign in
    until the e-mail address is confirmed (`email_verification_token`)."""
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        role=User.Role.TEACHER,
        school=school,
        status=status,
        is_school_admin=is_school_admin,
        email_verified=email_verified,
    )
    user.set_password(password)
    user.save()
    return user


# Confirming a teacher's e-mail address --------------------------------------------------

EMAIL_VERIFICATION_SALT = "lens.email-verification"
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 60 * 60  # three days, in seconds
TOKEN_MAX_LENGTH = 200  # longer is not a token of ours: refused before it is read


def email_verification_token(user: User) -> str:
    """A link's token confirming `user`'s address: signed with SECRET_KEY, for that account
    and that address (it stops working if the address changes), valid three days."""
    return signing.dumps([user.pk, user.email], salt=EMAIL_VERIFICATION_SALT)


def email_verification_user(token: str) -> User:
    """The account a confirmation token is for, or a refusal saying the link does not work
    (tampered with, mistyped, older than three days, or the address has changed since)."""
    refused = Refusal(
        _(
            "This link does not work: it may be mistyped, or older than three days. "
            "Log in with your username and password and we send you a new one."
        ),
        status=404,
    )
    if len(token) > TOKEN_MAX_LENGTH or not token.isascii():
        raise refused
    try:
        pk, email = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise refused from None
    user = User.objects.filter(pk=pk, role=User.Role.TEACHER, is_active=True).first()
    if user is None or user.email != email:
        raise refused
    return user


def email_verification_send(*, user: User, link: str) -> None:
    context = {"user": user, "link": link}
    send_mail(
        render_to_string("core/email_verification_subject.txt", context).strip(),
        render_to_string("core/email_verification_email.txt", context),
        None,
        [user.email],
    )


def email_verify(*, user: User) -> None:
    """The address is confirmed: the teacher may sign in."""
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])


# Schools: invitations and approvals -----------------------------------------------------


@transaction.atomic
def school_create(*, name: str) -> School:
    return School.objects.create(name=name)


@transaction.atomic
def invitation_create(
    *,
    school: School,
    email: str,
    by: User | None,
    as_admin: bool = False,
    username: str = "",
) -> tuple[Invitation, str]:
    """An invitation to teach at `school`, and its token (the link's last part). Only the
    token's hash is kept: the token is in the e-mail (or printed, by `create_school`) and
    nowhere else."""
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        school=school,
        email=email,
        username=username,
        as_admin=as_admin,
        token_hash=Invitation.hash_of(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": INVITATION_LIFETIME.days}
    send_mail(
        render_to_string("core/invitation_subject.txt", context).strip(),
        render_to_string("core/invitation_email.txt", context),
        None,
        [invitation.email],
    )


def _check_open(invitation: Invitation) -> None:
    if invitation.is_accepted:
        raise Refusal(
            _(
                "This invitation has been used already: each link makes one account. Log in "
                "with the account it made, or ask your school's admin for a new invitation."
            ),
            status=410,
        )
    if invitation.is_expired:
        raise Refusal(
            ngettext(
                "This invitation has expired: links work for %(days)d day. Ask your school's "
                "admin for a new one.",
                "This invitation has expired: links work for %(days)d days. Ask your school's "
                "admin for a new one.",
                INVITATION_LIFETIME.days,
            )
            % {"days": INVITATION_LIFETIME.days},
            status=410,
        )


def invitation_open(*, token: str) -> Invitation:
    """The invitation a link's token is for, if the link still works; otherwise a refusal
    saying why, in plain words (404: no such link; 410: used, or expired)."""
    if len(token) > TOKEN_MAX_LENGTH or not token.isascii():
        token = ""
    invitation = (
        Invitation.objects.filter(token_hash=Invitation.hash_of(token))
        .select_related("school")
        .first()
    )
    if invitation is None:
        raise Refusal(
            _(
                "This invitation link does not work: check that it was copied whole, or ask "
                "your school's admin for a new one."
            ),
            status=404,
        )
    _check_open(invitation)
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, username: str, display_name: str, password: str
) -> User:
    """The invited teacher's account: approved, in the invitation's school (its admin too, if
    invited as one), with the invited address, confirmed by the link that reached it. The
    invitation is locked and used up in the same transaction: a link makes one account."""
    locked = Invitation.objects.select_for_update().select_related("school").get(pk=invitation.pk)
    _check_open(locked)  # a second tab may have used it a moment ago
    try:
        with transaction.atomic():
            user = teacher_register(
                username=username,
                display_name=display_name,
                email=locked.email,
                password=password,
                school=locked.school,
                status=User.Status.APPROVED,
                is_school_admin=locked.as_admin,
                email_verified=True,
            )
    except IntegrityError:
        raise Refusal(
            _("That username was taken a moment ago: open the link again and choose another."),
            status=409,
        ) from None
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return user


def invitation_withdraw(*, invitation: Invitation) -> None:
    """The link stops working at once (a mistyped address, a change of plan)."""
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


def teacher_approve(*, teacher: User) -> None:
    """A school's admin approves a teacher who asked to join: they now see answer keys and
    assign lessons."""
    User.objects.filter(pk=teacher.pk).update(status=User.Status.APPROVED)
    teacher.status = User.Status.APPROVED


def teacher_refuse(*, teacher: User) -> None:
    """A school's admin turns a teacher's request down: the teacher no longer asks to join the
    school, and stays waiting, with their drafts (the operator can still approve them)."""
    User.objects.filter(pk=teacher.pk, status=User.Status.PENDING).update(school=None)
    teacher.school = None


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def student_reset_password(*, student: User) -> str:
    """Give a student who forgot their password a new one, for the teacher to hand over. It
    also lifts a lockout after failed logins (a classmate may have caused it)."""
    password = "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)
    )
    student.set_password(password)
    student.save(update_fields=["password"])
    throttle.lift_login_lockout(student.get_username())
    return password


def student_unenroll(*, classroom: Classroom, student: User) -> None:
    """Take a student out of a class. Their saved work stays, and returns if they rejoin."""
    Enrollment.objects.filter(classroom=classroom, student=student).delete()
