"""The LTI 1.3 protocol, through PyLTI1p3 and django-lti: the OIDC login, whether a launch is
genuine, the cookies that let it work inside an LMS's frame, and the calls Lens makes to a
platform's services. What a launch means for Lens (accounts, classes, assignments) is in
`services`.

PyLTI1p3 checks a launch; Lens adds what it leaves out (docs/lti.md, "What Lens checks"):
- a nonce works once: PyLTI1p3 only checks that Lens issued it, so the same id_token could be
  posted again; here the nonce is taken out of the store as the launch is accepted, and a
  second launch with it is refused;
- the state must be the one in this browser's cookie, every time (PyLTI1p3 also accepts a
  state it saw with the same token before: a replay);
- the token must be signed with RS256 and carry `exp` and `iat`;
- a deployment Lens does not know, or has switched off, is refused (django-lti would create
  it on the spot);
- every refusal is logged (`lens.security`), and nothing is written before the launch is
  accepted.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import Morsel
from typing import Any, NoReturn

import jwt
import requests
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from lti_tool.models import Key, LtiDeployment, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.cookie import DjangoCookieService
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.contrib.django.session import DjangoSessionService
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from core.refusals import Refusal
from core.views import client_fields

from .models import Platform

security_log = logging.getLogger("lens.security")

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = CLAIM + "message_type"
DEPLOYMENT_ID = CLAIM + "deployment_id"
ROLES = CLAIM + "roles"
CONTEXT = CLAIM + "context"
RESOURCE_LINK = CLAIM + "resource_link"
CUSTOM = CLAIM + "custom"
LAUNCH_PRESENTATION = CLAIM + "launch_presentation"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
NAMES_ROLES = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
GRADES = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"

# How long Lens waits for an LMS's answer (its key set, a token, a roster, a grade).
SERVICE_TIMEOUT = 10  # seconds


# --- cookies that survive a frame ------------------------------------------------------------


class PartitionedMorsel(Morsel):
    """A cookie with the `Partitioned` attribute (CHIPS), which Python's own Morsel (and so
    Django's `set_cookie`) learns only in Python 3.14."""

    def OutputString(self, attrs: Any = None) -> str:
        return super().OutputString(attrs) + "; Partitioned"


def mark_for_frames(response: HttpResponse, name: str) -> None:
    """If `response` sets the cookie `name`, send it `SameSite=None; Secure; Partitioned`: a
    browser then keeps and sends it inside another site's frame (the LMS's page), in a jar of
    its own for that site, even where third-party cookies are blocked (Chromium's default
    here). Secure cookies need HTTPS, except on localhost."""
    cookie = response.cookies.get(name)
    if cookie is None or isinstance(cookie, PartitionedMorsel):
        return
    marked = PartitionedMorsel()
    marked.set(cookie.key, cookie.value, cookie.coded_value)
    marked.update({key: value for key, value in dict(cookie).items() if value})
    marked["samesite"] = "None"
    marked["secure"] = True
    response.cookies[name] = marked


class FramedCookies(DjangoCookieService):
    """PyLTI1p3's cookies (the OIDC state), marked for frames whatever the scheme (PyLTI1p3
    marks them only over HTTPS, and never `Partitioned`)."""

    def update_response(self, response: HttpResponse) -> None:
        waiting: dict[str, Any] = self._cookie_data_to_set or {}
        for key, cookie in waiting.items():
            response.set_cookie(
                key, cookie["value"], max_age=cookie["exp"], secure=True, httponly=True
            )
            mark_for_frames(response, key)


# --- the platform's registration -------------------------------------------------------------


def signing_key() -> Key | None:
    """The key Lens signs with: the newest of the keys it publishes."""
    return Key.objects.active().order_by("-datetime_created", "-pk").first()


def registration_of(registration: LtiRegistration) -> Registration:
    """PyLTI1p3's view of a registration, with Lens's signing key (if it has one yet)."""
    result = (
        Registration()
        .set_auth_login_url(registration.auth_url)
        .set_auth_token_url(registration.token_url)
        .set_client_id(registration.client_id)
        .set_key_set_url(registration.keyset_url)
        .set_issuer(registration.issuer)
    )
    if registration.audience:
        result.set_auth_audience(registration.audience)
    key = signing_key()
    if key is not None:
        result.set_tool_private_key(key.private_key)
        result.set_tool_public_key(key.public_key)
    return result


class ToolConfig(DjangoToolConfig):
    """django-lti's, with two changes: a deployment Lens does not know, or has switched off, is
    not found (django-lti creates it on the spot), and Lens's signing key is looked up
    without failing when there is none yet."""

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        return self._registration(issuer=iss)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        if not client_id:
            return self._registration(issuer=iss)
        return self._registration(issuer=iss, client_id=client_id)

    def _registration(self, **lookups: Any) -> Registration | None:
        if self.registration_uuid is not None:
            lookups["uuid"] = self.registration_uuid
        found = list(LtiRegistration.objects.active().filter(**lookups)[:2])
        if len(found) != 1:  # none, or an issuer with several and no client id to choose
            return None
        self.registration = found[0]
        return registration_of(found[0])

    def find_deployment(self, iss: str, deployment_id: str) -> Any:
        return self._deployment(registration__issuer=iss, deployment_id=deployment_id)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        return self._deployment(
            registration__issuer=iss,
            registration__client_id=client_id,
            deployment_id=deployment_id,
        )

    def _deployment(self, **lookups: Any) -> Deployment | None:
        if self.registration_uuid is not None:
            lookups["registration__uuid"] = self.registration_uuid
        self.deployment = (
            LtiDeployment.objects.filter(is_active=True, registration__is_active=True, **lookups)
            .select_related("registration")
            .first()
        )
        if self.deployment is None:
            return None
        return Deployment().set_deployment_id(self.deployment.deployment_id)


def plain(value: object, limit: int = 255) -> str:
    """`value` if it is text fit to store and look up (1 to `limit` printable characters: no
    NUL, control character or unpaired surrogate, which PostgreSQL would refuse), else ""."""
    if isinstance(value, str) and 0 < len(value) <= limit and value.isprintable():
        return value
    return ""


# --- refusals --------------------------------------------------------------------------------

AGAIN = gettext_noop(
    "Open Lens again from your course; if this happens again, tell your school's LMS admin."
)

# Why a launch or a login was refused: the status, what the person is told (translated when
# refused), and whether to add AGAIN.
REASONS: dict[str, tuple[int, str, bool]] = {
    "login": (400, gettext_noop("The LMS's sign-in request was incomplete or came from an "
                                "LMS Lens does not know."), True),
    "state": (400, gettext_noop("This sign-in did not start in this browser, or took too "
                                "long, or your browser did not keep Lens's cookie."), True),
    "token": (400, gettext_noop("The LMS sent a sign-in Lens cannot read."), True),
    "nonce": (400, gettext_noop("This sign-in has been used already: each one works once."),
              True),
    "registration": (403, gettext_noop("This LMS is not registered with Lens, or not for this "
                                       "client. Your school's admin registers it under My "
                                       "school."), False),
    "unsigned": (400, gettext_noop("The LMS's sign-in was not signed as LTI 1.3 requires."),
                 True),
    "key": (400, gettext_noop("The LMS signed this sign-in with a key it does not publish."),
            True),
    "expired": (400, gettext_noop("This sign-in has expired."), True),
    "signature": (400, gettext_noop("The signature on this sign-in is not the LMS's."), True),
    "deployment": (403, gettext_noop("Lens is not switched on for this part of the LMS (its "
                                     "deployment). Your school's admin adds the deployment ID "
                                     "under My school."), False),
    "message": (400, gettext_noop("The LMS sent a kind of request Lens does not handle."),
                True),
    "unreachable": (502, gettext_noop("Lens could not reach the LMS to check this sign-in. Try "
                                      "again in a moment."), False),
}  # fmt: skip


class LaunchRefused(Refusal):
    """A launch or an OIDC login Lens will not accept, and why (a key of `REASONS`)."""

    def __init__(self, reason: str) -> None:
        status, message, again = REASONS[reason]
        message = f"{_(message)} {_(AGAIN)}" if again else _(message)
        super().__init__(message, status=status)
        self.reason = reason


def unverified_claims(token: str) -> dict[str, Any]:
    """What a token says before it is checked: for the log, and to frame the refusal page for
    the LMS it names. Never trusted for anything else."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}
    return claims if isinstance(claims, dict) else {}


def frame_origins_for(issuer: object) -> list[str]:
    """The origins of the registered platforms of `issuer`: the only frames a launch's own
    pages (a refusal too) may be shown in."""
    if not isinstance(issuer, str) or not issuer:
        return []
    platforms = Platform.objects.filter(
        registration__issuer=issuer, registration__is_active=True
    ).select_related("registration")
    return list(dict.fromkeys(origin for p in platforms for origin in p.origins))


def _short(value: object, limit: int = 200) -> str:
    return str(value)[:limit] if value is not None else ""


def refuse(request: HttpRequest, reason: str, detail: object, claims: dict[str, Any]) -> NoReturn:
    """Log the refusal (`lens.security`) and raise it; the page may be framed by the LMS the
    request names."""
    request.lms_frame_origins = frame_origins_for(claims.get("iss"))  # type: ignore[attr-defined]
    where = client_fields(request)
    aud = claims.get("aud")
    security_log.warning(
        "LTI %s refused (%s) from %s",
        "login" if reason == "login" else "launch",
        reason,
        where["client_ip"],
        extra={
            "event": "lti_refused",
            "reason": reason,
            "detail": _short(detail, 300),
            "issuer": _short(claims.get("iss")),
            "client_id": _short(aud[0] if isinstance(aud, list) and aud else aud),
            "deployment_id": _short(claims.get(DEPLOYMENT_ID)),
            "path": request.path,
            **where,
        },
    )
    raise LaunchRefused(reason)


# --- HTTP to the platform --------------------------------------------------------------------


class TimeoutSession(requests.Session):
    """A session whose requests give up after SERVICE_TIMEOUT seconds (requests waits for ever
    by default, holding a worker)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", SERVICE_TIMEOUT)
        return super().request(*args, **kwargs)


class Connector(ServiceConnector):
    """PyLTI1p3's connection to a platform's services (a token, then the service), with a
    timeout, and the next page of a list read from the Link header as written (PyLTI1p3
    lowercases the whole URL)."""

    def __init__(self, registration: LtiRegistration) -> None:
        super().__init__(registration_of(registration), requests_session=TimeoutSession())

    def make_service_request(self, *args: Any, **kwargs: Any) -> Any:
        result = super().make_service_request(*args, **kwargs)
        headers = {str(k).lower(): str(v) for k, v in result["headers"].items()}
        links = requests.utils.parse_header_links(headers.get("link", ""))
        result["next_page_url"] = next(
            (link["url"] for link in links if link.get("rel", "").lower() == "next"), None
        )
        return result


# --- the OIDC login --------------------------------------------------------------------------


def launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lms:launch"))


def login_redirect(request: HttpRequest, registration_uuid: Any = None) -> HttpResponse:
    """The answer to a platform's login initiation: a redirect to its authentication endpoint
    with a new state (also in a cookie of this browser) and nonce (kept in the cache). The
    launch always comes back to Lens's one launch URL, whatever `target_link_uri` says."""
    params = request.GET if request.method == "GET" else request.POST
    claims = {"iss": params.get("iss"), "aud": params.get("client_id")}
    for name in ("iss", "login_hint", "client_id", "lti_deployment_id", "lti_message_hint"):
        if params.get(name) and not plain(params[name], 2000):
            refuse(request, "login", f"{name} is not plain text", {})
    pyrequest = DjangoRequest(request)
    login = DjangoOIDCLogin(
        request,
        ToolConfig(registration_uuid),
        cookie_service=FramedCookies(pyrequest),
        launch_data_storage=DjangoCacheDataStorage(),
    )
    try:
        response: HttpResponse = login.redirect(launch_url(request))
    except (OIDCException, LtiException) as error:
        refuse(request, "login", error, claims)
    request.lms_frame_origins = frame_origins_for(claims["iss"])  # type: ignore[attr-defined]
    return response


# --- the launch ------------------------------------------------------------------------------


@dataclass
class VerifiedLaunch:
    """A launch whose every check passed: its claims, and the registration, platform and
    deployment that vouch for it."""

    claims: dict[str, Any]
    registration: LtiRegistration
    platform: Platform
    deployment: LtiDeployment

    def claim(self, name: str, default: Any = None) -> Any:
        return self.claims.get(name, default)

    @property
    def message_type(self) -> str:
        return str(self.claims.get(MESSAGE_TYPE, ""))


class _Launch(DjangoMessageLaunch):
    """PyLTI1p3's launch, checked step by step so that each refusal says why."""

    def use_nonce(self) -> bool:
        """Take the launch's nonce out of the store: True only the first time (the store's
        delete is atomic, so two posts of one token cannot both succeed)."""
        session = self._session_service
        nonce = self._jwt["body"]["nonce"]
        key = session.data_storage._prepare_key(session._get_key("nonce", nonce))
        return bool(caches["default"].delete(key))


def _step(
    request: HttpRequest, reason: str, claims: dict[str, Any], step: Callable[[], Any]
) -> None:
    try:
        step()
    except LtiException as error:
        cause = error.__cause__
        if isinstance(cause, jwt.ExpiredSignatureError):
            reason = "expired"
        elif isinstance(cause, jwt.MissingRequiredClaimError | jwt.ImmatureSignatureError):
            reason = "token"
        elif "public key" in str(error).lower() or "KID" in str(error):
            reason = "key"
        elif str(error).startswith("Error during fetch URL"):
            reason = "unreachable"
        refuse(request, reason, error, claims)


def verify_launch(request: HttpRequest) -> VerifiedLaunch:
    """The launch posted to Lens, checked in full (or refused, logged, with nothing written)."""
    token = str(request.POST.get("id_token", ""))
    claims = unverified_claims(token)
    pyrequest = DjangoRequest(request, post_only=True)
    tool = ToolConfig()
    try:
        launch = _Launch(
            pyrequest,
            tool,
            session_service=DjangoSessionService(pyrequest),
            cookie_service=FramedCookies(pyrequest),
            launch_data_storage=DjangoCacheDataStorage(),
            requests_session=TimeoutSession(),
        )
    except LtiException as error:  # over HTTPS: the cookie naming the nonce's store is missing
        refuse(request, "state", error, claims)
    options: dict[str, Any] = {"verify_aud": False, "require": ["exp", "iat"]}
    launch.set_jwt_verify_options(options)
    launch.set_auto_validation(enable=False)  # each step below, in turn, and nothing else
    _step(request, "state", claims, launch.validate_state)
    _step(request, "token", claims, launch.validate_jwt_format)
    header = launch._jwt.get("header", {})
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        refuse(request, "unsigned", f"alg {header.get('alg')!r}", claims)
    body = launch._jwt.get("body")
    if not isinstance(body, dict):
        refuse(request, "token", "the token's body is not an object", {})
    aud = body.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if not all(plain(name) for name in [body.get("iss"), body.get(DEPLOYMENT_ID), *audiences]):
        refuse(request, "token", "issuer, audience or deployment is not plain text", {})
    if not plain(body.get("nonce"), 200):
        refuse(request, "nonce", "no nonce, or not plain text", claims)
    _step(request, "nonce", claims, launch.validate_nonce)
    _step(request, "registration", claims, launch.validate_registration)
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != tool.registration.client_id:
        refuse(request, "registration", "several audiences and no azp naming Lens", claims)
    _step(request, "signature", claims, launch.validate_jwt_signature)
    _step(request, "deployment", claims, launch.validate_deployment)
    _step(request, "message", claims, launch.validate_message)
    platform = (
        Platform.objects.filter(registration=tool.registration)
        .select_related("school", "registration")
        .first()
    )
    if platform is None:
        refuse(request, "registration", "the registration belongs to no school", claims)
    if not launch.use_nonce():
        refuse(request, "nonce", "nonce used already", claims)
    request.lms_frame_origins = platform.origins  # type: ignore[attr-defined]
    return VerifiedLaunch(
        claims=dict(launch._jwt["body"]),
        registration=tool.registration,
        platform=platform,
        deployment=tool.deployment,
    )
