"""Teachers create classes and assign lessons; students join with a code."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core import services as core_services
from core.models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    Classroom,
    Enrollment,
    User,
    format_join_code,
    normalize_join_code,
)
from lessons.work.models import Assignment

from . import factories
from .html import assert_in_fragment, select, text

PASSWORD = "a-fine-password-42"
ROSTER = 'section[aria-labelledby="roster-heading"]'


def _join(client, code, name="Amira K.", password=PASSWORD, password2=None):
    return client.post(
        reverse("core:join"),
        {
            "code": code,
            "display_name": name,
            "password1": password,
            "password2": password if password2 is None else password2,
        },
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_teacher_signup_creates_a_teacher_who_confirms_the_email_then_waits(client, db, mailoutbox):
    response = client.post(
        reverse("core:signup"),
        {
            "username": "carol",
            "display_name": "Carol Teacher",
            "email": "carol@example.org",
            "password1": "a-very-long-password-9",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("core:signup_sent")
    assert "_auth_user_id" not in client.session  # not signed in before confirming
    carol = User.objects.get(username="carol")
    assert carol.is_teacher and carol.is_pending_teacher and not carol.email_verified
    assert carol.email == "carol@example.org"
    assert carol.check_password("a-very-long-password-9")
    assert [mail.to for mail in mailoutbox] == [["carol@example.org"]]
    # The whole flow (the link, then logging in) is in test_schools.py.


def test_a_teacher_signup_without_email_is_refused(client, db):
    response = client.post(
        reverse("core:signup"),
        {"username": "carol", "display_name": "Carol", "password1": "a-very-long-password-9"},
    )

    assert response.status_code == 400
    assert not User.objects.filter(username="carol").exists()


def test_a_teacher_creates_a_class_with_an_unguessable_unambiguous_join_code(client, world):
    client.force_login(world.alice)

    response = client.post(reverse("core:classroom_new"), {"name": "10B Media Studies"})

    classroom = Classroom.objects.get(name="10B Media Studies")
    assert classroom.teacher == world.alice
    assert response.status_code == 302
    assert response.url == reverse("work:classroom", args=[classroom.pk])
    code = classroom.join_code
    assert len(code) == JOIN_CODE_LENGTH
    assert set(code) <= set(JOIN_CODE_ALPHABET)
    assert not set(code) & set("0O1IL")
    page = client.get(response.url).content.decode()
    assert text(page, "#join-code") == f"{code[:4]}-{code[4:8]}-{code[8:]}"


def test_there_are_at_least_a_trillion_join_codes():
    assert len(set(JOIN_CODE_ALPHABET)) ** JOIN_CODE_LENGTH >= 10**12


def test_a_join_code_is_shown_in_groups_of_four():
    assert format_join_code("ACDEFGHJKM") == "ACDE-FGHJ-KM"


@pytest.mark.parametrize(
    "typed",
    [
        "ACDEFGHJKM",
        "acde-fghj-km",
        " ACDE FGHJ KM ",
        "Acde – Fghj – Km",  # en dashes, as a word processor writes hyphens
        "ＡＣＤＥ-ＦＧＨＪ-ＫＭ",  # a phone keyboard's full-width letters
        "acde.fghj_km",
    ],
)
def test_a_join_code_is_read_in_any_case_with_or_without_separators(typed):
    assert normalize_join_code(typed) == "ACDEFGHJKM"


def test_the_join_code_alphabet_has_no_confusable_characters():
    assert not set(JOIN_CODE_ALPHABET) & set("0O1IL")
    assert len(set(JOIN_CODE_ALPHABET)) == len(JOIN_CODE_ALPHABET) >= 20


def test_join_codes_are_unique_across_many_classes(world):
    for n in range(200):
        factories.make_classroom(world.alice, f"Class {n}")
    codes = list(Classroom.objects.values_list("join_code", flat=True))
    assert len(codes) == 202
    assert len(set(codes)) == len(codes)
    assert all(len(c) == JOIN_CODE_LENGTH and set(c) <= set(JOIN_CODE_ALPHABET) for c in codes)


def test_a_code_already_taken_is_drawn_again(world, monkeypatch):
    draws = iter([world.class_a.join_code, world.class_b.join_code, "XYQ349KMNP"])
    monkeypatch.setattr(core_services, "new_join_code", lambda: next(draws))

    classroom = core_services.classroom_create(teacher=world.alice, name="Lucky")

    assert classroom.join_code == "XYQ349KMNP"


def test_a_code_typed_in_lower_case_with_a_hyphen_and_spaces_works(client, world):
    code = world.class_a.join_code
    typed = f" {code[:4].lower()} - {code[4:8].lower()}  {code[8:].lower()} "

    response = _join(client, typed)

    assert response.status_code == 302
    assert User.objects.get(display_name="Amira K.").enrollments.get().classroom == world.class_a


def test_an_anonymous_student_joins_with_a_code_name_and_password(client, world):
    response = _join(client, world.class_a.join_code, name="  Amira   K. ")

    assert response.status_code == 302
    assert response.url == reverse("core:classroom_welcome", args=[world.class_a.pk])
    response = client.get(response.url)
    amira = User.objects.get(display_name="Amira K.")
    assert amira.is_student
    assert amira.email == ""
    assert amira.enrollments.get().classroom == world.class_a
    page = response.content.decode()
    assert text(page, ".login-name") == amira.username
    assert text(page, "main h1") == "Welcome to Class A, Amira K.!"
    assert response.wsgi_request.user == amira

    client.logout()
    again = client.post(reverse("core:login"), {"username": amira.username, "password": PASSWORD})
    assert again.status_code == 302
    home = client.get(reverse("work:home")).content.decode()
    assert text(home, "main h1") == "My lessons"
    assert_in_fragment(home, "main ul:not(.cards) li", "Class A")


def test_a_password_like_the_students_name_is_refused(client, world):
    response = _join(client, world.class_a.join_code, name="Amira Khalil", password="amirakhalil")

    assert response.status_code == 400
    assert_in_fragment(response.content, ".errors", "too similar")
    assert not User.objects.filter(display_name="Amira Khalil").exists()


def test_a_password_like_the_teachers_name_is_refused(client, db):
    response = client.post(
        reverse("core:signup"),
        {
            "username": "ct2024",
            "display_name": "Carolina Teacherson",
            "email": "ct@example.org",
            "password1": "carolinateacherson",
        },
    )

    assert response.status_code == 400
    assert not User.objects.filter(username="ct2024").exists()


def test_the_join_page_asks_for_no_email(client, world):
    page = client.get(reverse("core:join")).content.decode()
    assert select(page, 'main form input[name="code"]')
    assert select(page, 'main form input[name="display_name"]')
    assert 'type="email"' not in page
    assert 'name="email"' not in page


def test_a_wrong_code_is_refused_with_a_clear_message_and_nothing_created(client, world):
    users = User.objects.count()

    response = _join(client, "QQQQQQ")

    assert response.status_code == 400
    assert_in_fragment(response.content, ".errors", "No class has this code")
    assert User.objects.count() == users
    assert Enrollment.objects.count() == 2
    assert "_auth_user_id" not in client.session


def test_mismatched_passwords_are_refused(client, world):
    users = User.objects.count()

    response = _join(client, world.class_a.join_code, password2="another-password-43")

    assert response.status_code == 400
    assert_in_fragment(response.content, ".errors", "The two passwords are not the same.")
    assert User.objects.count() == users
    assert not world.class_a.enrollments.exclude(student=world.sam).exists()


def test_a_signed_in_student_joins_a_second_class(client, world):
    client.force_login(world.sam)

    response = client.post(reverse("core:join"), {"code": world.class_b.join_code})

    assert response.status_code == 302
    assert response.url == reverse("work:classroom", args=[world.class_b.pk])
    assert set(Classroom.objects.attended_by(world.sam)) == {world.class_a, world.class_b}
    assert "You joined Class B." in _messages(response)
    assert client.get(response.url).status_code == 200


def test_joining_the_same_class_twice_is_harmless(client, world):
    client.force_login(world.sam)

    response = client.post(reverse("core:join"), {"code": world.class_a.join_code.lower()})

    assert response.status_code == 302
    assert Enrollment.objects.filter(student=world.sam).count() == 1
    assert "You are already in Class A." in _messages(response)


def test_teachers_cannot_join_a_class_as_students(client, world):
    client.force_login(world.alice)

    response = client.post(reverse("core:join"), {"code": world.class_b.join_code})

    assert response.status_code == 302
    assert response.url == reverse("work:home")
    assert "Teachers cannot join a class as a student." in _messages(response)
    assert not Enrollment.objects.filter(student=world.alice).exists()
    assert not world.alice.is_student


def test_the_teacher_sees_the_roster_with_logins_and_progress(client, world):
    assignment = world.assignment
    client.force_login(world.sam)
    client.post(reverse("work:answers_save", args=[assignment.pk, 1]), {"go": "next"})
    factories.make_highlight(assignment, world.sam, "glorious leader")
    factories.make_highlight(assignment, world.sam, "traitors", "Repetition", occurrence=2)
    hana = factories.make_student("Hana Handed", world.class_a)
    factories.make_highlight(assignment, hana, "glorious leader")
    client.force_login(hana)
    client.post(reverse("work:submit", args=[assignment.pk]))
    factories.make_student("Nico Notyet", world.class_a)

    client.force_login(world.alice)
    response = client.get(reverse("work:classroom", args=[world.class_a.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert text(page, "#roster-heading") == "Students (3)"
    rows = {row.th.get_text(): row for row in select(page, f"{ROSTER} tbody tr")}
    assert set(rows) == {"Sam Student", "Hana Handed", "Nico Notyet"}
    assert text(rows["Sam Student"], "td").startswith(f"{world.sam.username} In progress")
    # Highlights without the answers: worked on, not done; passage 2 only clicked through.
    assert text(rows["Sam Student"], ".progress-text") == (
        "0 of 2 passages done, 1 worked on, 1 read only; 2 highlights"
    )
    assert text(rows["Hana Handed"], "td").startswith(f"{hana.username} Handed in")
    assert text(rows["Hana Handed"], ".progress-text") == (
        "0 of 2 passages done, 1 worked on, 1 not opened; 1 highlight"
    )
    assert page.count("Handed in") == 1
    assert_in_fragment(rows["Nico Notyet"], "td", "Not started")
    sams_work = reverse("insights:student_work", args=[assignment.pk, world.sam.pk])
    assert select(rows["Sam Student"], f'a[href="{sams_work}"]')
    assert "Olga Other" not in page


def test_the_teachers_home_lists_her_classes_only(client, world):
    factories.make_student("Second Student", world.class_a)
    client.force_login(world.alice)

    page = client.get(reverse("work:home")).content.decode()

    assert [card.h2.get_text() for card in select(page, "main .cards .card")] == ["Class A"]
    assert_in_fragment(
        page, "main .card", "2 students · 1 lesson assigned", world.class_a.join_code_display
    )
    assert "Class B" not in page
    assert world.class_b.join_code_display not in page


def test_names_with_markup_are_escaped(client, world):
    world.class_a.name = "<b>Class</b> A"
    world.class_a.save()
    mallory = factories.make_student("<img src=x>Mallory", world.class_a)

    client.force_login(world.alice)
    roster = client.get(reverse("work:classroom", args=[world.class_a.pk])).content.decode()
    client.force_login(mallory)
    home = client.get(reverse("work:home")).content.decode()

    for page in (roster, home):
        assert "<img src=x>" not in page
        assert "<b>Class</b>" not in page
        assert "&lt;b&gt;Class&lt;/b&gt; A" in page
    assert "&lt;img src=x&gt;Mallory" in roster


def test_a_new_code_replaces_the_old_one_and_students_stay(client, world):
    old = world.class_a.join_code
    client.force_login(world.alice)

    response = client.post(reverse("core:classroom_new_code", args=[world.class_a.pk]))

    assert response.status_code == 302
    world.class_a.refresh_from_db()
    new = world.class_a.join_code
    assert new != old
    assert len(new) == JOIN_CODE_LENGTH and set(new) <= set(JOIN_CODE_ALPHABET)
    assert world.sam.enrollments.filter(classroom=world.class_a).exists()
    assert any(world.class_a.join_code_display in m for m in _messages(response))

    client.logout()
    refused = _join(client, old, name="Late Comer")
    assert refused.status_code == 400
    assert not User.objects.filter(display_name="Late Comer").exists()
    assert _join(client, new, name="On Time").status_code == 302
    assert world.class_a.enrollments.count() == 2


def test_a_teacher_assigns_a_lesson_to_her_class(client, world):
    lesson = factories.make_lesson()
    client.force_login(world.alice)

    response = client.post(
        reverse("work:classroom_assign", args=[world.class_a.pk]),
        {"lesson": lesson.pk, "opens_at": "2030-03-01T08:00", "due_at": "2030-03-08T17:30"},
    )

    assert response.status_code == 302
    assignment = Assignment.objects.get(classroom=world.class_a, lesson=lesson)
    assert assignment.opens_at.year == 2030
    assert (assignment.due_at - assignment.opens_at) == timedelta(days=7, hours=9, minutes=30)
    page = client.get(reverse("work:classroom", args=[world.class_a.pk])).content.decode()
    assigned = f'#assignments-heading + ul li:has(strong:-soup-contains("{lesson.title}"))'
    assert_in_fragment(page, assigned, "due 8 March 2030, 17:30")


def test_assigning_the_same_lesson_twice_makes_one_assignment(client, world):
    client.force_login(world.alice)

    response = client.post(
        reverse("work:classroom_assign", args=[world.class_a.pk]),
        {"lesson": world.assignment.lesson.pk},
    )

    assert response.status_code == 302
    assert Assignment.objects.filter(classroom=world.class_a).count() == 1


def test_a_due_date_before_the_opening_is_refused(client, world):
    lesson = factories.make_lesson()
    client.force_login(world.alice)

    response = client.post(
        reverse("work:classroom_assign", args=[world.class_a.pk]),
        {"lesson": lesson.pk, "opens_at": "2030-03-08T08:00", "due_at": "2030-03-01T08:00"},
    )

    assert response.status_code == 400
    assert_in_fragment(
        response.content, ".errors", "The due date must come after the opening time."
    )
    assert not Assignment.objects.filter(lesson=lesson).exists()


def test_a_lesson_that_opens_later_is_closed_to_students_until_then(client, world):
    opens = timezone.now() + timedelta(days=3)
    assignment = factories.make_assignment(world.class_a, opens_at=opens)
    client.force_login(world.sam)

    page = client.get(reverse("work:assignment", args=[assignment.pk]))
    assert page.status_code == 200
    assert_in_fragment(page.content, "section:has(#task-heading)", "This lesson opens on")
    assert reverse("work:segment", args=[assignment.pk, 1]) not in page.content.decode()
    for position in (1, 2):
        assert (
            client.get(reverse("work:segment", args=[assignment.pk, position])).status_code == 404
        )
    added = client.post(
        reverse("work:highlight_add", args=[assignment.pk, 1]),
        {"quote": "glorious leader", "technique": assignment.lesson.taxonomy.techniques.first().pk},
    )
    assert added.status_code == 404
    assert client.get(reverse("work:submit", args=[assignment.pk])).status_code == 404
    assert not assignment.submissions.exists()


def test_a_teacher_gives_a_student_who_forgot_a_new_password(client, world):
    client.force_login(world.alice)
    url = reverse("core:classroom_student_password", args=[world.class_a.pk, world.sam.pk])
    shown = reverse("core:classroom_student_password_shown", args=[world.class_a.pk, world.sam.pk])

    response = client.post(url)

    assert response.status_code == 302  # a refresh cannot post it again
    assert response.url == shown
    page = client.get(shown)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    password = page.context["password"]
    assert_in_fragment(page.content, ".card", f"Login name: {world.sam.username}")
    assert_in_fragment(page.content, ".card", f"New password: {password}")
    # Shown once: a second visit shows it no more and makes no other password.
    world.sam.refresh_from_db()
    hashed = world.sam.password
    again = client.get(shown, follow=True)
    assert password not in again.content.decode()
    assert "has been shown already" in again.content.decode()
    world.sam.refresh_from_db()
    assert world.sam.password == hashed
    client.logout()
    assert not client.login(username=world.sam.username, password="a-long-password")
    assert client.login(username=world.sam.username, password=password)


def test_the_new_password_page_names_a_student_without_a_doubled_full_stop(client, world):
    world.sam.display_name = "Ben O."
    world.sam.save(update_fields=["display_name"])
    client.force_login(world.alice)

    page = client.post(
        reverse("core:classroom_student_password", args=[world.class_a.pk, world.sam.pk]),
        follow=True,
    )

    card = text(page.content, ".card")
    assert "Ben O. needs both to log in" in card
    assert ".." not in card


def test_the_new_password_page_does_not_show_a_password_made_for_another_student(client, world):
    tara = factories.make_student("Tara Student", world.class_a)
    client.force_login(world.alice)
    client.post(reverse("core:classroom_student_password", args=[world.class_a.pk, tara.pk]))

    response = client.get(
        reverse("core:classroom_student_password_shown", args=[world.class_a.pk, world.sam.pk])
    )

    assert response.status_code == 302
    assert response.url == reverse("work:classroom", args=[world.class_a.pk])


def test_a_teacher_cannot_reset_the_password_of_a_student_outside_her_class(client, world):
    client.force_login(world.alice)

    response = client.post(
        reverse("core:classroom_student_password", args=[world.class_a.pk, world.olga.pk])
    )

    assert response.status_code == 404
    assert client.login(username=world.olga.username, password="a-long-password")


def test_a_removed_student_leaves_the_class_but_their_work_is_kept(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader", "Loaded_Language")
    client.force_login(world.alice)

    response = client.post(
        reverse("core:classroom_student_remove", args=[world.class_a.pk, world.sam.pk])
    )

    assert response.status_code == 302
    assert not world.class_a.enrollments.filter(student=world.sam).exists()
    assert world.sam.submissions.get().highlights.count() == 1
    page = client.get(reverse("work:classroom", args=[world.class_a.pk]))
    assert_in_fragment(page.content, ".messages", "is no longer in Class A")
    assert world.sam not in [row["student"] for row in page.context["roster"]]
    client.force_login(world.sam)
    assert client.get(reverse("work:classroom", args=[world.class_a.pk])).status_code == 404
    assert client.get(reverse("work:segment", args=[world.assignment.pk, 1])).status_code == 404
