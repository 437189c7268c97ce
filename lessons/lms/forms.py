from ipaddress import ip_address
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lessons.library.models import Lesson

from .models import LinkedLesson, origin_of
from .services import PlatformFields

LOOPBACK_HOSTS = ("localhost",)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_plain(value: str) -> None:
    """Text fit to store: no NUL, control character or half of a surrogate pair."""
    if not value.isprintable():
        raise ValidationError(
            _(
                "This has a character that cannot be saved (a control character, a null "
                "character or half of an emoji). Copy it again from the LMS."
            ),
            code="unstorable",
        )


def check_web_address(value: str) -> None:
    """An address Lens may talk to, or be framed by: HTTPS, or plain HTTP on this machine."""
    if not origin_of(value):
        raise ValidationError(_("This is not a web address."), code="invalid")
    parts = urlsplit(value.strip())
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise ValidationError(
        _("Lens talks to an LMS over HTTPS only: the address starts with https://."), code="https"
    )


class PlainField(forms.CharField):
    default_validators = [check_plain]


class WebAddressField(forms.URLField):
    default_validators = [*forms.URLField.default_validators, check_web_address]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)  # django-lti's URL columns
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class LinesField(forms.CharField):
    """One item a line, as a list, without blank lines or repeats."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        text = super().to_python(value) or ""
        return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        for line in value:
            super().run_validators(line)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


class PlatformForm(forms.Form):
    """What an LMS shows a school's admin once Lens is registered in it."""

    name = PlainField(
        label=_("Name"),
        max_length=100,
        help_text=_("For your school's pages: “Canvas”, “Moodle”."),
    )
    issuer = PlainField(
        label=_("Issuer (platform ID)"),
        max_length=255,
        help_text=_(
            "Canvas: https://canvas.instructure.com; Moodle and Brightspace: the site's "
            "address; Blackboard: https://blackboard.com."
        ),
    )
    client_id = PlainField(label=_("Client ID"), max_length=255)
    auth_url = WebAddressField(
        label=_("Authentication request URL"), help_text=_("The LMS's OIDC authorization endpoint.")
    )
    token_url = WebAddressField(label=_("Access token URL"))
    keyset_url = WebAddressField(
        label=_("Key set URL"), help_text=_("The LMS's public keys (JWKS).")
    )
    audience = PlainField(
        label=_("Token audience"),
        max_length=255,
        required=False,
        help_text=_("Only if the LMS names one (Brightspace does); else left empty."),
    )
    deployment_ids = LinesField(
        label=_("Deployment IDs"),
        validators=[check_plain],
        help_text=_("One per line. Lens opens only from these deployments."),
    )
    frame_origins = LinesField(
        label=_("LMS web addresses"),
        required=False,
        validators=[check_web_address],
        help_text=_(
            "The addresses students and teachers open the LMS at, one per line "
            "(https://school.instructure.com): only these may show Lens inside their pages. "
            "Empty: the issuer's and the authentication URL's."
        ),
    )

    def clean_deployment_ids(self):
        ids = self.cleaned_data["deployment_ids"]
        if any(len(i) > 255 for i in ids):
            raise ValidationError(_("A deployment ID has at most 255 characters."))
        return ids

    def clean_frame_origins(self):
        return list(dict.fromkeys(origin_of(url) for url in self.cleaned_data["frame_origins"]))

    def platform_fields(self) -> PlatformFields:
        data = self.cleaned_data
        return PlatformFields(
            name=data["name"],
            issuer=data["issuer"],
            client_id=data["client_id"],
            auth_url=data["auth_url"],
            token_url=data["token_url"],
            keyset_url=data["keyset_url"],
            audience=data["audience"],
            deployment_ids=data["deployment_ids"],
            frame_origins=data["frame_origins"],
        )

    @classmethod
    def initial_for(cls, platform) -> dict:
        registration = platform.registration
        return {
            "name": registration.name,
            "issuer": registration.issuer,
            "client_id": registration.client_id,
            "auth_url": registration.auth_url,
            "token_url": registration.token_url,
            "keyset_url": registration.keyset_url,
            "audience": registration.audience,
            "deployment_ids": [
                d.deployment_id for d in registration.deployments.filter(is_active=True)
            ],
            "frame_origins": platform.frame_origins.split(),
        }


class LessonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Lesson) -> str:
        return f"{obj.title} ({obj.author}, {obj.taxonomy.display_name})"


class DeepLinkForm(forms.Form):
    """The teacher picks the lesson their LMS link opens, and the grade it sends."""

    lesson = LessonChoiceField(
        label=_("Lesson"),
        queryset=Lesson.objects.published().select_related("taxonomy").order_by("title", "pk"),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    grade_source = forms.ChoiceField(
        label=_("Grade sent to the LMS's gradebook"),
        choices=LinkedLesson.GradeSource.choices,
        initial=LinkedLesson.GradeSource.TEACHER,
        widget=forms.RadioSelect,
    )


class GradeSourceForm(forms.Form):
    grade_source = forms.ChoiceField(
        label=_("Grade sent to the LMS's gradebook"),
        choices=LinkedLesson.GradeSource.choices,
        widget=forms.RadioSelect,
    )
