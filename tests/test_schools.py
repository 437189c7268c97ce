"""Schools and verified teachers (issue 10, item 1): a teacher who signs up confirms the e-mail
address and waits for the school's admin; a school's admin invites teachers (a link that
works once, for seven days) and approves or refuses those who ask to join; a waiting teacher
writes drafts but assigns nothing; the operator creates schools with `create_school`. The
answer key itself is walked in test_answer_keys.py."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import services
from core.models import Invitation, School, User
from lessons.library.models import Lesson, Taxonomy
from lessons.work.models import Assignment

from . import factories
from .conftest import SCHOOL_PERSONAS, log_in
from .html import assert_in_fragment, assert_not_in_fragment, select

PASSWORD = "a-very-long-password-9"


def _sign_up(client, username: str = "carol", school: School | None = None, **extra):
    data = {
        "username": username,
        "display_name": "Carol Teacher",
        "email": f"{username}@example.org",
        "password1": PASSWORD,
        **extra,
    }
    if school is not None:
        data["school"] = school.pk
    return client.post(reverse("core:signup"), data)


def _link(message, route: str) -> str:
    [url] = re.findall(rf"https?://testserver(/{route}/\S+/)", message.body)
    return url


def _log_in(client, username: str, password: str = PASSWORD):
    return client.post(reverse("core:login"), {"username": username, "password": password})


# Signing up: a confirmed e-mail address, then waiting for approval ------------------------


def test_a_teacher_confirms_the_address_by_the_link_then_logs_in_waiting_for_approval(
    client, school_world, mailoutbox
):
    response = _sign_up(client, school=school_world.school_a)
    assert response.url == reverse("core:signup_sent")
    assert_in_fragment(client.get(response.url).content, "main", "We have sent a link")
    [message] = mailoutbox
    assert message.to == ["carol@example.org"]
    link = _link(message, "signup/confirm")

    refused = _log_in(client, "carol")  # the right password, the address not confirmed yet
    assert refused.status_code == 200
    assert_in_fragment(refused.content, ".errors", "Confirm your e-mail address first")
    assert "_auth_user_id" not in client.session
    assert len(mailoutbox) == 2 and _link(mailoutbox[1], "signup/confirm")  # sent again

    page = client.get(link)  # opening the link changes nothing: it asks for a click
    assert page.status_code == 200
    assert not User.objects.get(username="carol").email_verified
    confirmed = client.post(link)
    assert confirmed.url == reverse("core:login")
    carol = User.objects.get(username="carol")
    assert carol.email_verified and carol.is_pending_teacher
    assert carol.school == school_world.school_a

    assert _log_in(client, "carol").status_code == 302
    home = client.get(reverse("work:home")).content
    assert_in_fragment(home, "#pending-notice", "waiting for approval by the admin of Northside")


def test_a_wrong_password_for_an_unconfirmed_account_is_a_failed_login_and_sends_nothing(
    client, db, mailoutbox
):
    _sign_up(client)
    response = _log_in(client, "carol", "not-the-password")

    assert_not_in_fragment(response.content, "main", "Confirm your e-mail address")
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "x" * 500, "ünïcödé", "W10:1tZ:abc"],
    ids=["garbled", "too-long", "not-ascii", "forged"],
)
def test_a_confirmation_link_that_does_not_work_says_so_plainly(client, db, token):
    response = client.get(reverse("core:signup_confirm", args=[token]))

    assert response.status_code == 404
    assert_in_fragment(response.content, "main", "This link does not work")


def test_a_confirmation_link_expires_after_three_days(client, db, mailoutbox):
    _sign_up(client)
    link = _link(mailoutbox[0], "signup/confirm")

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        response = client.post(link)

    assert response.status_code == 404
    assert not User.objects.get(username="carol").email_verified


def test_a_confirmation_link_for_an_address_since_changed_does_not_work(client, db, mailoutbox):
    _sign_up(client)
    User.objects.filter(username="carol").update(email="other@example.org")

    response = client.post(_link(mailoutbox[0], "signup/confirm"))

    assert response.status_code == 404
    assert not User.objects.get(username="carol").email_verified


def test_a_password_reset_by_email_confirms_the_address(client, db, mailoutbox):
    _sign_up(client)
    client.post(reverse("core:password_reset"), {"email": "carol@example.org"})
    [url] = re.findall(r"https?://testserver(/accounts/reset/\S+/)", mailoutbox[1].body)
    form = client.get(url, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-password-7", "new_password2": "a-brand-new-password-7"},
    )

    assert User.objects.get(username="carol").email_verified


def test_the_sign_up_page_lists_the_schools_and_a_way_out(client, school_world):
    page = client.get(reverse("core:signup")).content
    options = [o.get_text() for o in select(page, "select[name=school] option")]

    assert options == ["My school is not listed", "Northside School", "Southside School"]


def test_without_schools_the_sign_up_page_asks_for_none(client, db):
    page = client.get(reverse("core:signup")).content.decode()

    assert 'name="school"' not in page
    _sign_up(client)
    assert User.objects.get(username="carol").school is None


# Invitations ----------------------------------------------------------------------------


def _invite(client, school_world, email="new@example.org", **extra):
    client.force_login(school_world.ada)
    return client.post(reverse("core:school_invite"), {"email": email, **extra})


def test_a_school_admin_invites_a_teacher_who_chooses_a_login_and_is_approved(
    client, school_world, mailoutbox
):
    response = _invite(client, school_world)
    assert response.url == reverse("core:school")
    [message] = mailoutbox
    assert message.to == ["new@example.org"]
    assert "Northside School" in message.subject
    link = _link(message, "invitations")
    invitation = Invitation.objects.get()
    assert invitation.token_hash != link.split("/")[-2]  # only the token's hash is kept
    assert_in_fragment(client.get(reverse("core:school")).content, "main", "new@example.org")

    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert_in_fragment(page.content, "main", "Northside School", "new@example.org")
    made = newcomer.post(
        link,
        {
            "username": "nina",
            "display_name": "Nina New",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert made.url == reverse("work:home")
    nina = User.objects.get(username="nina")
    assert nina.is_approved_teacher and nina.email_verified and not nina.is_school_admin
    assert nina.school == school_world.school_a and nina.email == "new@example.org"
    assert newcomer.session["_auth_user_id"] == str(nina.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina and invitation.accepted_at is not None


def test_an_invitation_works_once(client, school_world, mailoutbox):
    _invite(client, school_world)
    link = _link(mailoutbox[0], "invitations")
    form = {"display_name": "Nina", "password1": PASSWORD, "password2": PASSWORD}
    assert Client().post(link, {**form, "username": "nina"}).status_code == 302

    again = Client().post(link, {**form, "username": "nina2"})

    assert again.status_code == 410
    assert_in_fragment(again.content, "[role=alert]", "This invitation has been used already")
    assert not User.objects.filter(username="nina2").exists()
    assert Client().get(link).status_code == 410


def test_an_invitation_expires_after_seven_days(client, school_world, mailoutbox):
    _invite(client, school_world)
    link = _link(mailoutbox[0], "invitations")

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = Client().post(
            link,
            {
                "username": "late",
                "display_name": "Late",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 410
        assert_in_fragment(response.content, "[role=alert]", "This invitation has expired")
        school = client.get(reverse("core:school")).content
        assert_not_in_fragment(school, "[aria-labelledby=invite-heading]", "new@example.org")
    assert not User.objects.filter(username="late").exists()


@pytest.mark.parametrize(
    "token",
    ["wrong", "x" * 500, "ünïcödé", "\u0000", "a" * 43],
    ids=["wrong", "too-long", "not-ascii", "nul", "token-shaped"],
)
def test_a_wrong_invitation_link_gets_a_plain_404(client, school_world, token):
    services.invitation_create(school=school_world.school_a, email="x@example.org", by=None)

    response = client.get(reverse("core:invitation_accept", args=[token]))

    assert response.status_code == 404
    assert_in_fragment(response.content, "[role=alert]", "This invitation link does not work")


def test_a_withdrawn_invitation_no_longer_works(client, school_world, mailoutbox):
    _invite(client, school_world)
    link = _link(mailoutbox[0], "invitations")
    invitation = Invitation.objects.get()

    response = client.post(reverse("core:school_invitation_withdraw", args=[invitation.pk]))

    assert response.url == reverse("core:school")
    assert Client().get(link).status_code == 404


def test_an_invitation_as_admin_makes_an_admin_of_the_school(client, school_world, mailoutbox):
    _invite(client, school_world, as_admin="on")
    link = _link(mailoutbox[0], "invitations")
    Client().post(
        link,
        {"username": "vic", "display_name": "Vic", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert User.objects.get(username="vic").administers_school


def test_a_signed_in_user_is_asked_to_log_out_and_the_link_stays_unused(
    client, school_world, mailoutbox
):
    _invite(client, school_world)
    link = _link(mailoutbox[0], "invitations")
    log_in(client, school_world, "pat")

    response = client.post(
        link,
        {"username": "nina", "display_name": "N", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 409
    assert_in_fragment(response.content, "[role=alert]", "Log out, then open the link again")
    assert not Invitation.objects.get().is_accepted
    assert not User.objects.filter(username="nina").exists()


def test_a_weak_password_or_a_taken_username_is_refused_on_the_invitation(
    school_world, mailoutbox, client
):
    _invite(client, school_world)
    link = _link(mailoutbox[0], "invitations")
    newcomer = Client()

    weak = newcomer.post(
        link, {"username": "nina", "display_name": "N", "password1": "123", "password2": "123"}
    )
    taken = newcomer.post(
        link,
        {
            "username": school_world.alice.username,
            "display_name": "N",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert weak.status_code == taken.status_code == 400
    assert_in_fragment(taken.content, ".errors", "already exists")
    assert not Invitation.objects.get().is_accepted


def test_wrong_invitation_links_are_limited_per_address(client, school_world, settings):
    settings.THROTTLES = {**settings.THROTTLES, "invitation_ip": "3/d"}
    _, token = services.invitation_create(
        school=school_world.school_a, email="x@example.org", by=None
    )
    for n in range(3):
        assert (
            Client().get(reverse("core:invitation_accept", args=[f"wrong-{n}"])).status_code == 404
        )

    response = Client().get(reverse("core:invitation_accept", args=[token]))

    assert response.status_code == 429
    assert_in_fragment(response.content, "main", "too many tries of invitation links")
    other = Client(REMOTE_ADDR="198.51.100.9").get(reverse("core:invitation_accept", args=[token]))
    assert other.status_code == 200


# Approvals ------------------------------------------------------------------------------


def test_a_school_admin_approves_a_waiting_teacher_who_then_sees_keys_and_assigns(
    client, school_world
):
    pat = school_world.pat
    lesson = factories.make_lesson()
    classroom = factories.make_classroom(pat, "Pat's class")
    log_in(client, school_world, "ada")
    page = client.get(reverse("core:school")).content
    assert_in_fragment(page, "[aria-labelledby=pending-heading]", "Pat Pending", pat.email)

    response = client.post(reverse("core:school_teacher_approve", args=[pat.pk]))

    assert response.url == reverse("core:school")
    pat.refresh_from_db()
    assert pat.is_approved_teacher
    assert_in_fragment(
        client.get(reverse("core:school")).content, "[aria-labelledby=teachers-heading]", "Pat"
    )
    client.force_login(pat)
    detail = client.get(reverse("library:lesson_detail", args=[lesson.slug])).content
    assert_in_fragment(detail, ".answer-key", "A label instead of an argument.")
    assigned = client.post(
        reverse("work:classroom_assign", args=[classroom.pk]), {"lesson": lesson.pk}
    )
    assert assigned.status_code == 302
    assert Assignment.objects.filter(classroom=classroom, lesson=lesson).exists()


def test_a_school_admin_refuses_a_waiting_teacher(client, school_world):
    pat = school_world.pat
    log_in(client, school_world, "ada")

    response = client.post(reverse("core:school_teacher_refuse", args=[pat.pk]))

    assert response.url == reverse("core:school")
    pat.refresh_from_db()
    assert pat.is_pending_teacher and pat.school is None
    school = client.get(reverse("core:school")).content
    assert_not_in_fragment(school, "[aria-labelledby=pending-heading]", "Pat Pending")
    assert_in_fragment(school, ".messages", "Pat Pending's request is refused")


def test_a_teacher_who_has_not_confirmed_the_address_is_not_listed_nor_approved(
    client, school_world
):
    _sign_up(Client(), "una", school=school_world.school_a)
    una = User.objects.get(username="una")
    log_in(client, school_world, "ada")

    page = client.get(reverse("core:school")).content
    response = client.post(reverse("core:school_teacher_approve", args=[una.pk]))

    assert_not_in_fragment(page, "[aria-labelledby=pending-heading]", "una@example.org")
    assert response.status_code == 404
    una.refresh_from_db()
    assert una.is_pending_teacher


def test_only_the_schools_own_admin_approves(client, school_world):
    other_admin = factories.make_teacher(
        "Otto Other Admin", school=school_world.school_b, is_school_admin=True
    )
    client.force_login(other_admin)

    for name in ("core:school_teacher_approve", "core:school_teacher_refuse"):
        assert client.post(reverse(name, args=[school_world.pat.pk])).status_code == 404
    # An approved teacher, or a teacher of the school, is not approved twice (nor refused).
    client.force_login(school_world.ada)
    for teacher in (school_world.alice, school_world.ada, school_world.sam):
        response = client.post(reverse("core:school_teacher_approve", args=[teacher.pk]))
        assert response.status_code == 404
    school_world.pat.refresh_from_db()
    assert school_world.pat.is_pending_teacher and school_world.pat.school == school_world.school_a


# A teacher who waits writes drafts, and assigns and publishes nothing --------------------


def test_a_waiting_teacher_writes_a_draft(client, school_world):
    log_in(client, school_world, "pat")

    response = client.post(
        reverse("authoring:author_new"),
        {
            "title": "Pat's lesson",
            "slug": "pats-lesson",
            "author": "Someone",
            "audience": "Everyone",
            "language": "en",
            "provenance": "Found.",
            "introduction": "Read it.",
            "taxonomy": Taxonomy.objects.get(slug="semeval-2020").pk,
            "markup": "plain",
            "text": "A first paragraph of the text.\n\nA second paragraph of the text.",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = Lesson.objects.get(slug="pats-lesson")
    assert lesson.created_by == school_world.pat and not lesson.is_published


def test_a_waiting_teacher_cannot_assign_and_is_told_why(client, school_world):
    pat = school_world.pat
    classroom = factories.make_classroom(pat, "Pat's class")
    lesson = factories.make_lesson()
    log_in(client, school_world, "pat")

    page = client.get(reverse("work:classroom", args=[classroom.pk])).content
    response = client.post(
        reverse("work:classroom_assign", args=[classroom.pk]), {"lesson": lesson.pk}
    )

    assert_in_fragment(page, "[aria-labelledby=assignments-heading]", "once your school's admin")
    assert response.status_code == 403
    assert_in_fragment(response.content, ".messages", "waiting for approval", "Assigning lessons")
    assert not Assignment.objects.filter(classroom=classroom).exists()


def test_a_waiting_teacher_cannot_publish(client, school_world):
    draft = factories.make_lesson()
    Lesson.objects.filter(pk=draft.pk).update(created_by=school_world.pat, is_published=False)
    log_in(client, school_world, "pat")

    in_editor = client.post(reverse("authoring:author_publish", args=[draft.pk]))
    in_library = client.post(
        reverse("library:lesson_publish", args=[draft.slug]), {"published": "1"}
    )

    assert in_editor.status_code == 403
    assert in_library.status_code == 302
    assert not Lesson.objects.get(pk=draft.pk).is_published


# Permissions of the new pages, for every persona -----------------------------------------

LOGIN = "login"

URLS = {
    "school": lambda w: reverse("core:school"),
    "school_invite": lambda w: reverse("core:school_invite"),
    "school_invitation_withdraw": lambda w: reverse(
        "core:school_invitation_withdraw", args=[w.invitation.pk]
    ),
    "school_teacher_approve": lambda w: reverse("core:school_teacher_approve", args=[w.pat.pk]),
    "school_teacher_refuse": lambda w: reverse("core:school_teacher_refuse", args=[w.pat.pk]),
    "signup_sent": lambda w: reverse("core:signup_sent"),
    "signup_confirm": lambda w: reverse("core:signup_confirm", args=[w.confirm_token]),
    "invitation_accept": lambda w: reverse("core:invitation_accept", args=[w.invite_token]),
}
DATA = {
    "school_invite": {"email": "someone@example.org"},
    "invitation_accept": {
        "username": "nina",
        "display_name": "Nina",
        "password1": PASSWORD,
        "password2": PASSWORD,
    },
}

#      view                          method  anonymous sam  olga alice bob  ada  pat
TABLE = [
    ("school",                     "get",  (LOGIN, 404, 404, 404, 404, 200, 404)),
    ("school",                     "post", (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("school_invite",              "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("school_invite",              "post", (LOGIN, 404, 404, 404, 404, 302, 404)),
    ("school_invitation_withdraw", "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("school_invitation_withdraw", "post", (LOGIN, 404, 404, 404, 404, 302, 404)),
    ("school_teacher_approve",     "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("school_teacher_approve",     "post", (LOGIN, 404, 404, 404, 404, 302, 404)),
    ("school_teacher_refuse",      "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("school_teacher_refuse",      "post", (LOGIN, 404, 404, 404, 404, 302, 404)),
    ("signup_sent",                "get",  (200,   200, 200, 200, 200, 200, 200)),
    ("signup_sent",                "post", (405,   405, 405, 405, 405, 405, 405)),
    ("signup_confirm",             "get",  (200,   200, 200, 200, 200, 200, 200)),
    ("invitation_accept",          "get",  (200,   409, 409, 409, 409, 409, 409)),
    ("invitation_accept",          "post", (302,   409, 409, 409, 409, 409, 409)),
]  # fmt: skip

CASES = [
    pytest.param(view, method, persona, expected, id=f"{view}-{method}-{persona}")
    for view, method, expectations in TABLE
    for persona, expected in zip(SCHOOL_PERSONAS, expectations, strict=True)
]


def _snapshot() -> dict:
    """What a refused request must leave as it was."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk", "username", "status", "school", "is_school_admin", "email_verified"
            )
        ),
        "invitations": list(
            Invitation.objects.order_by("pk").values_list("pk", "email", "accepted_at")
        ),
    }


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_who_may_open_the_school_and_account_pages(
    client, school_world, view, method, persona, expected
):
    w = school_world
    w.invitation, w.invite_token = services.invitation_create(
        school=w.school_a, email="invited@example.org", by=w.ada
    )
    waiting = factories.make_teacher("Wendy Waiting", approved=False)
    User.objects.filter(pk=waiting.pk).update(email_verified=False)
    waiting.refresh_from_db()
    w.confirm_token = services.email_verification_token(waiting)
    log_in(client, w, persona)
    before = _snapshot()

    url = URLS[view](w)
    response = client.post(url, DATA.get(view, {})) if method == "post" else client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("core:login"))
    else:
        assert response.status_code == expected
    if expected != 302:
        assert _snapshot() == before


# The operator ---------------------------------------------------------------------------


def test_the_operator_creates_a_school_and_its_admin_accepts_the_printed_link(db):
    out = StringIO()
    call_command(
        "create_school",
        "Eastside School",
        "--admin-email=head@example.org",
        "--admin-username=head",
        "--base-url=https://lens.example.org/",
        stdout=out,
    )

    school = School.objects.get(name="Eastside School")
    [link] = re.findall(r"https://lens\.example\.org(/invitations/\S+/)", out.getvalue())
    assert "works once, for 7 days" in out.getvalue()
    client = Client()
    page = client.get(link)
    assert select(page.content, "input[name=username]")[0]["value"] == "head"
    client.post(
        link,
        {"username": "head", "display_name": "Head", "password1": PASSWORD, "password2": PASSWORD},
    )
    head = User.objects.get(username="head")
    assert head.administers_school and head.school == school and head.email_verified
    assert head.email == "head@example.org"
    assert client.get(reverse("core:school")).status_code == 200


def test_create_school_again_invites_another_admin_to_the_same_school(db):
    call_command("create_school", "Eastside", "--admin-email=a@example.org", stdout=StringIO())
    out = StringIO()
    call_command("create_school", "Eastside", "--admin-email=b@example.org", stdout=out)

    assert School.objects.count() == 1
    assert Invitation.objects.filter(as_admin=True).count() == 2
    assert "exists" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["S", "--admin-email=not-an-address"], "is not an e-mail address"),
        (["S", "--admin-email=a@example.org", "--admin-username=taken"], "is taken"),
        (["   ", "--admin-email=a@example.org"], "Give the school a name"),
    ],
)
def test_create_school_refuses_what_it_cannot_do(db, args, message):
    factories.make_teacher("Taken")
    User.objects.filter(username__startswith="teacher").update(username="taken")

    with pytest.raises(CommandError, match=message):
        call_command("create_school", *args, "--base-url=https://lens.example.org")
    assert not School.objects.exists()


def test_the_operator_approves_teachers_from_the_admin(client, school_world):
    root = User.objects.create_superuser(
        username="root", email="root@example.org", password="a-root-password"
    )
    client.force_login(root)

    response = client.post(
        reverse("admin:core_user_changelist"),
        {"action": "approve_teachers", "_selected_action": [school_world.pat.pk]},
    )

    assert response.status_code == 302
    school_world.pat.refresh_from_db()
    assert school_world.pat.is_approved_teacher
    school_page = client.get(reverse("admin:core_school_changelist")).content.decode()
    assert "Northside School" in school_page


def test_a_school_admin_must_be_an_approved_teacher_of_a_school(db):
    from django.db import IntegrityError, transaction

    teacher = factories.make_teacher("No School")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=teacher.pk).update(is_school_admin=True)


# The migration --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_teachers_who_had_accounts_before_schools_are_approved_with_their_address_confirmed():
    before, after = (
        [("core", "0002_join_codes_of_ten_characters")],
        [("core", "0004_existing_teachers_approved")],
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("core", "User")
        old.objects.create(username="t", display_name="T", role="teacher")
        old.objects.create(username="s", display_name="S", role="student")

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("core", "User")

        teacher, student = new.objects.get(username="t"), new.objects.get(username="s")
        assert (teacher.status, teacher.email_verified, teacher.school_id) == (
            "approved",
            True,
            None,
        )
        assert student.status == "pending"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
