"""`manage.py create_school NAME --admin-email E [--admin-username U] [--base-url URL]`: the
operator creates a school and invites its first admin. It prints the invitation's link (it
works once, for seven days): on it the admin chooses a password (and a username: U is
suggested), and is an approved teacher and admin of the school. Run it again for a school
that exists to invite another admin (a link that expired, say)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from core import services
from core.models import INVITATION_LIFETIME, School, User


def _default_base_url() -> str | None:
    """The site's address, when the settings say it: the first host ALLOWED_HOSTS names."""
    for host in settings.ALLOWED_HOSTS:
        if host and not host.startswith((".", "*")):
            scheme = "http" if settings.DEBUG else "https"
            port = ":8000" if settings.DEBUG and host in ("127.0.0.1", "localhost") else ""
            return f"{scheme}://{host}{port}"
    return None


class Command(BaseCommand):
    help = "Create a school and print an invitation link for its first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The school's name, as its teachers know it.")
        parser.add_argument("--admin-email", required=True, help="Where the admin reads mail.")
        parser.add_argument(
            "--admin-username", default="", help="The username suggested on the link."
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="The site's address, e.g. https://lens.example.org (default: from ALLOWED_HOSTS).",
        )

    def handle(self, *args, **options) -> None:
        name = " ".join(options["name"].split())
        email = options["admin_email"].strip()
        username = options["admin_username"].strip()
        if not name or len(name) > School.NAME_MAX_LENGTH:
            raise CommandError(
                f"Give the school a name of at most {School.NAME_MAX_LENGTH} characters."
            )
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        if username and User.objects.filter(username=username).exists():
            raise CommandError(f"The username {username!r} is taken: choose another.")
        base_url = (options["base_url"] or _default_base_url() or "").rstrip("/")
        if not base_url:
            raise CommandError("Say where the site is: --base-url https://lens.example.org")

        with transaction.atomic():
            school = School.objects.filter(name=name).first()
            created = school is None
            if school is None:
                school = services.school_create(name=name)
            _, token = services.invitation_create(
                school=school, email=email, by=None, as_admin=True, username=username
            )
        link = base_url + reverse("core:invitation_accept", args=[token])
        self.stdout.write(
            (f"School “{school}” created.\n" if created else f"School “{school}” exists.\n")
            + f"Send this link to {email}: on it they choose a password"
            + (f" (the username {username!r} is suggested)" if username else " and a username")
            + f" and become the school's admin. It works once, for {INVITATION_LIFETIME.days} "
            "days.\n" + f"  {link}\n"
        )
