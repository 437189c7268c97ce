"""A school's admin registers Lens in the school's LMS (My school → Learning-management
systems); Lens's signing keys rotate, an old key staying published until it is unused; the
operator sees it all in the admin."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from lti_tool.models import Key, LtiDeployment

from core.models import User
from lessons.lms import lti
from lessons.lms.models import Platform

from .html import assert_in_fragment, text

FORM = {
    "name": "Canvas",
    "issuer": "https://canvas.instructure.com",
    "client_id": "10000000000042",
    "auth_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "token_url": "https://sso.canvaslms.com/login/oauth2/token",
    "keyset_url": "https://sso.canvaslms.com/api/lti/security/jwks",
    "audience": "",
    "deployment_ids": "  42:0123abcd \n\n 43:4567ef ",
    "frame_origins": "https://northside.instructure.com/courses/7",
}


@pytest.fixture
def ada(client, school_world):
    client.force_login(school_world.ada)
    return client


def test_the_school_page_leads_to_the_lms_page(ada):
    page = ada.get(reverse("core:school"))

    assert_in_fragment(page.content, "#lms-heading + p a", "Register Lens in your LMS")


def test_the_lms_page_shows_what_to_give_the_lms(ada):
    page = ada.get(reverse("lms:platforms"))

    urls = text(page.content, ".tool-urls")
    for name in ("login", "launch", "jwks"):
        assert f"http://testserver{reverse(f'lms:{name}')}" in urls


def test_a_school_admin_registers_lens_in_an_lms(ada, school_world):
    response = ada.post(reverse("lms:platform_add"), FORM, follow=True)

    platform = Platform.objects.get()
    registration = platform.registration
    assert platform.school == school_world.school_a
    assert (registration.issuer, registration.client_id) == (FORM["issuer"], FORM["client_id"])
    assert sorted(d.deployment_id for d in registration.deployments.filter(is_active=True)) == [
        "42:0123abcd",
        "43:4567ef",
    ]
    assert platform.origins == ["https://northside.instructure.com"]
    assert Key.objects.active().count() == 1  # the key set has a key to publish
    assert_in_fragment(response.content, ".messages", "Canvas is registered")
    own_login = reverse("lms:login_for", args=[registration.uuid])
    assert own_login in text(response.content, ".tool-urls")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"auth_url": "http://lms.example.org/auth"}, "auth_url", "over HTTPS only"),
        ({"frame_origins": "http://lms.example.org"}, "frame_origins", "over HTTPS only"),
        ({"client_id": "100\x07"}, "client_id", "cannot be saved"),
        ({"deployment_ids": " \n "}, "deployment_ids", "This field is required"),
        ({"keyset_url": "not a url"}, "keyset_url", "Enter a valid URL"),
    ],
    ids=["http-url", "http-origin", "control-character", "no-deployment", "not-a-url"],
)
def test_what_an_lms_cannot_be_is_refused_with_a_message(ada, change, field, words):
    response = ada.post(reverse("lms:platform_add"), {**FORM, **change})

    assert response.status_code == 400
    assert_in_fragment(response.content, f"#id_{field}_error", words)
    assert not Platform.objects.exists()


def test_the_same_issuer_and_client_id_twice_is_refused(ada):
    ada.post(reverse("lms:platform_add"), FORM)

    response = ada.post(reverse("lms:platform_add"), {**FORM, "name": "Canvas again"})

    assert response.status_code == 409
    assert_in_fragment(response.content, "#id_client_id_error", "already has a registration")
    assert Platform.objects.count() == 1


def test_deployments_taken_off_the_list_are_switched_off_and_back_on(ada):
    ada.post(reverse("lms:platform_add"), FORM)
    platform = Platform.objects.get()
    url = reverse("lms:platform_edit", args=[platform.pk])

    ada.post(url, {**FORM, "deployment_ids": "43:4567ef\n44:new"})
    switched = dict(LtiDeployment.objects.values_list("deployment_id", "is_active"))
    page = ada.get(url)
    ada.post(url, FORM)

    assert switched == {"42:0123abcd": False, "43:4567ef": True, "44:new": True}
    assert text(page.content, "#id_deployment_ids") == "43:4567ef 44:new"  # one per line
    active = LtiDeployment.objects.filter(is_active=True).values_list("deployment_id", flat=True)
    assert sorted(active) == ["42:0123abcd", "43:4567ef"]


def test_another_schools_admin_cannot_see_or_change_the_registration(client, school_world):
    client.force_login(school_world.ada)
    client.post(reverse("lms:platform_add"), FORM)
    platform = Platform.objects.get()
    bob = school_world.bob
    bob.is_school_admin = True
    bob.save(update_fields=["is_school_admin"])
    client.force_login(bob)

    listed = client.get(reverse("lms:platforms"))
    edit = client.post(reverse("lms:platform_edit", args=[platform.pk]), FORM)

    assert FORM["client_id"] not in listed.content.decode()
    assert edit.status_code == 404


# --- keys ------------------------------------------------------------------------------------


def _published(client) -> list[str]:
    return [k["kid"] for k in client.get(reverse("lms:jwks")).json()["keys"]]


def test_keys_rotate_and_a_replaced_key_stays_published_until_unused(client, db):
    first = Key.objects.generate()
    start = timezone.now()

    with time_machine.travel(start + timedelta(days=30), tick=False):
        call_command("lti_rotate_keys", stdout=StringIO())
        second = lti.signing_key()
        after_first_rotation = _published(client)
    with time_machine.travel(start + timedelta(days=38), tick=False):
        call_command("lti_rotate_keys", "--retire-after", "7", stdout=StringIO())
        third = lti.signing_key()
        after_second_rotation = _published(client)

    assert after_first_rotation == [str(first), str(second)]
    assert after_second_rotation == [str(second), str(third)]  # the first: unused for 8 days
    assert len({str(first), str(second), str(third)}) == 3


def test_a_dry_run_of_the_rotation_changes_nothing(client, db):
    Key.objects.generate()
    before = _published(client)

    call_command("lti_rotate_keys", "--dry-run", stdout=StringIO())

    assert _published(client) == before


# --- the operator's admin ------------------------------------------------------------------------


def test_the_operator_sees_keys_without_their_private_half(client, db):
    key = Key.objects.generate()
    root = User.objects.create_superuser(
        username="root", email="root@example.org", password="a-root-password", display_name="Op"
    )
    client.force_login(root)

    page = client.get(reverse("admin:lti_tool_key_change", args=[key.pk])).content.decode()

    assert "BEGIN PUBLIC KEY" in page
    assert "PRIVATE KEY" not in page
