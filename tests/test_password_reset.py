"""A teacher who forgot their password resets it by e-mail, with Django's views (core.urls):
the request, the e-mail (the locmem outbox), the link, the new password, a lockout lifted.
Students have no e-mail address: a request that names one sends nothing and reads the same."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

NEW_PASSWORD = "a-brand-new-password-7"


def _ask(client, email: str):
    return client.post(reverse("core:password_reset"), {"email": email})


def _link(message) -> str:
    [url] = re.findall(r"https?://testserver(/accounts/reset/\S+/)", message.body)
    return url


def test_the_login_page_links_to_the_reset_and_tells_students_to_ask_their_teacher(client, db):
    page = client.get(reverse("core:login")).content.decode()

    assert reverse("core:password_reset") in page
    assert "ask your teacher" in page


def test_a_teacher_resets_a_forgotten_password_by_email(client, world, mailoutbox):
    alice = world.alice

    asked = _ask(client, alice.email.upper())

    assert asked.status_code == 302
    assert asked.url == reverse("core:password_reset_done")
    done = client.get(asked.url).content.decode()
    assert "Check your e-mail" in done
    [message] = mailoutbox
    assert message.to == [alice.email]
    assert message.subject == "Reset your Lens password"
    assert message.from_email == "Lens <lens@localhost>"
    assert alice.username in message.body
    assert "two hours" in message.body

    form = client.get(_link(message), follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    set_password_url = form.redirect_chain[-1][0]  # the token moves into the session
    assert "set-password" in set_password_url

    saved = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert saved.status_code == 302
    assert saved.url == reverse("core:password_reset_complete")
    assert "Your password is changed" in client.get(saved.url).content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    login = Client().post(
        reverse("core:login"), {"username": alice.username, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_the_link_works_once(client, world, mailoutbox):
    _ask(client, world.alice.email)
    link = _link(mailoutbox[0])
    form = client.get(link, follow=True)
    set_password_url = form.redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert "This link no longer works" in again.content.decode()
    assert reverse("core:password_reset") in again.content.decode()


def test_the_link_expires_after_two_hours(client, world, mailoutbox):
    _ask(client, world.alice.email)
    link = _link(mailoutbox[0])

    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        expired = client.get(link, follow=True)

    assert "This link no longer works" in expired.content.decode()


def test_a_weak_new_password_is_refused(client, world, mailoutbox):
    _ask(client, world.alice.email)
    set_password_url = client.get(_link(mailoutbox[0]), follow=True).redirect_chain[-1][0]

    refused = client.post(
        set_password_url, {"new_password1": "12345678", "new_password2": "12345678"}
    )

    assert refused.status_code == 400
    assert "This password is too common." in refused.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.check_password("a-long-teacher-password")


def test_a_reset_lifts_the_lockout_after_failed_logins(client, world, mailoutbox, settings):
    settings.AXES_FAILURE_LIMIT = 3
    login = reverse("core:login")
    for _ in range(3):
        Client().post(login, {"username": world.alice.username, "password": "a-guess"})
    locked = Client().post(
        login, {"username": world.alice.username, "password": "a-long-teacher-password"}
    )
    assert locked.status_code == 429

    _ask(client, world.alice.email)
    set_password_url = client.get(_link(mailoutbox[0]), follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().post(login, {"username": world.alice.username, "password": NEW_PASSWORD})
    assert again.status_code == 302


def _page(response) -> str:
    """The page without its CSRF tokens and CSP nonce (new on every response)."""
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'nonce="[^"]*"', "", page)


@pytest.mark.parametrize("who", ["student", "nobody"])
def test_a_request_for_a_student_or_an_unknown_address_sends_nothing_and_reads_the_same(
    client, world, mailoutbox, who
):
    student = world.sam
    if who == "student":  # a student never has an address in Lens; were one to be set
        student.email = "sam@example.org"
        student.save()
    teacher = _ask(Client(), world.alice.email)
    mailoutbox.clear()

    asked = _ask(client, "sam@example.org" if who == "student" else "nobody@example.org")

    assert mailoutbox == []
    assert (asked.status_code, asked.url) == (teacher.status_code, teacher.url)
    assert _page(client.get(asked.url)) == _page(Client().get(teacher.url))


def test_a_students_password_cannot_be_reset_by_a_forged_link(client, world):
    """A link is only ever mailed to teachers; a student's own token works nowhere, as the
    form never offers one, but the confirm view would still take a valid token."""
    sam = world.sam
    uid = urlsafe_base64_encode(force_bytes(sam.pk))

    forged = client.get(
        reverse("core:password_reset_confirm", args=[uid, "not-a-token"]), follow=True
    )

    assert "This link no longer works" in forged.content.decode()
    assert default_token_generator.check_token(sam, "not-a-token") is False


def test_an_address_that_is_not_one_is_refused_with_the_form(client, db, mailoutbox):
    response = _ask(client, "not an address")

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert mailoutbox == []
