"""An LMS for the LTI tests: an LTI 1.3 platform made with the `lti1p3platform` package and
served over HTTP from a thread, as a school's Canvas or Moodle would be.

It generates its own RSA keys and signs real JWTs with them; starts the OIDC login with Lens
(`start_url`), answers Lens's authentication request with a signed launch (a resource link or
a deep linking request), takes Lens's deep linking response (checking Lens's signature against
Lens's key set URL), issues access tokens for Lens's signed client assertions, and serves a
course's roster (Names and Role Provisioning) and gradebook (Assignment and Grade Services),
keeping every score Lens sends. `tamper` spoils the next launch the ways an attacker or a
broken LMS would. Nothing here imports Lens: it speaks to Lens over HTTP only.
"""

from __future__ import annotations

import html
import json
import threading
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
from jwcrypto.jwk import JWK
from lti1p3platform.exceptions import LineItemNotFoundException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
)

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = MEMBERSHIP + "Instructor"
LEARNER = MEMBERSHIP + "Learner"
MENTOR = MEMBERSHIP + "Mentor"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"


def new_key_pair() -> tuple[str, str]:
    """A fresh RSA key pair, as PEM: (private, public)."""
    key = JWK.generate(kty="RSA", size=2048)
    return (
        key.export_to_pem(private_key=True, password=None).decode(),
        key.export_to_pem().decode(),
    )


@dataclass
class Member:
    sub: str
    name: str
    roles: list[str]
    status: str = "Active"


@dataclass
class LineItem:
    id: str  # its URL
    label: str
    score_maximum: float
    resource_id: str = ""
    tag: str = ""
    resource_link_id: str = ""
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # by user ID

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "scoreMaximum": self.score_maximum,
            "resourceId": self.resource_id,
            "tag": self.tag,
            "resourceLinkId": self.resource_link_id,
        }


@dataclass
class ResourceLink:
    id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    lineitem: str | None = None  # the URL of its gradebook column


@dataclass
class Course:
    id: str
    title: str
    members: dict[str, Member] = field(default_factory=dict)
    links: dict[str, ResourceLink] = field(default_factory=dict)
    lineitems: dict[str, LineItem] = field(default_factory=dict)


# --- lti1p3platform, wired to this LMS ---------------------------------------------------------


class HttpRequest(Request):
    """lti1p3platform's view of a request this LMS received."""

    def build_metadata(self, request: Any) -> Any:
        handler, body = request
        parts = urlsplit(handler.path)
        content_type = handler.headers.get("Content-Type", "")
        form = dict(parse_qsl(body.decode())) if "form-urlencoded" in content_type else {}
        payload = json.loads(body) if body and "json" in content_type else None
        return {
            "method": handler.command,
            "form_data": form,
            "get_data": dict(parse_qsl(parts.query)),
            "headers": handler.headers,
            "content_type": content_type,
            "path": parts.path,
            "json": payload,
        }


class PlatformConfig(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self.lms: LMS = kwargs["lms"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self.lms.registration()


class StartLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    """A launch, signed by the LMS's key: spoiled as `tamper` says, if it says anything."""

    tamper: dict[str, Any] = {}  # set for each launch

    def generate_launch_request(self) -> Any:
        data = super().generate_launch_request()
        tamper = self.tamper
        if not tamper:
            return data
        lms: LMS = self._platform_config.lms  # type: ignore[attr-defined]
        body = jwt.decode(data["id_token"], options={"verify_signature": False})
        body.update(tamper.get("claims", {}))
        for name in tamper.get("drop", ()):
            body.pop(name, None)
        if tamper.get("unsigned"):
            data["id_token"] = jwt.encode(body, None, algorithm="none")
        else:
            key = tamper.get("sign_with", lms.private_key)
            kid = tamper.get("kid", lms.kid)
            data["id_token"] = jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})
        return data

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        return auto_submit_page(
            launch_data["launch_url"],
            {"id_token": launch_data["id_token"], "state": launch_data["state"]},
        )


def auto_submit_page(action: str, fields: dict[str, str]) -> str:
    """The LMS's page that posts a form on at once (its own script: this is not Lens)."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Opening…</title>'
        f'</head><body><form method="post" action="{html.escape(action)}">{inputs}'
        '<button type="submit">Continue</button></form>'
        "<script>document.forms[0].submit();</script></body></html>"
    )


class Gradebook(AssignmentsGradesService):
    def __init__(self, request: Request, lms: LMS, course: Course) -> None:
        super().__init__(request, lms.config(), lms.lineitems_url(course))
        self.lms, self.course = lms, course

    def find_lineitems(self, page: int = 1, limit: Any = None, **kwargs: Any) -> Any:
        items = [item.as_json() for item in self.course.lineitems.values()]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> Any:
        item = self.course.lineitems.get(line_item_id)
        if item is None:
            raise LineItemNotFoundException
        return item.as_json()

    def create_lineitem(self, creation_data: Any) -> Any:
        return self.lms.new_lineitem(self.course, dict(creation_data)).as_json()

    def update_lineitem(self, update_data: Any) -> Any:
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:
        raise NotImplementedError

    def update_score(self, line_item_id: str, score: Any) -> UpdateScoreStatus:
        item = self.course.lineitems.get(line_item_id)
        if item is None:
            raise LineItemNotFoundException
        with self.lms.lock:
            item.scores[str(score["userId"])] = dict(score)
            self.lms.score_posts.append((line_item_id, dict(score)))
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, page: int = 1, **kwargs: Any) -> Any:
        raise NotImplementedError


class Roster(NamesRoleProvisioningService):
    def __init__(self, request: Request, lms: LMS, course: Course) -> None:
        super().__init__(request, lms.config(), lms.memberships_url(course))
        self.course = course

    def get_member_data_page(self, page: Any = 1, **kwargs: Any) -> Any:
        members = [
            {"user_id": m.sub, "roles": m.roles, "name": m.name, "status": m.status}
            for m in self.course.members.values()
        ]
        return {"content": members, "has_next": False, "next": None}

    def get_context_by_id(self) -> Context:
        return Context(id=self.course.id, label=self.course.id, title=self.course.title)


# --- the LMS ---------------------------------------------------------------------------------


class LMS:
    """One LMS with one registration of Lens (client ID, deployment ID), serving HTTP on
    127.0.0.1 (another site than Lens's live server on localhost)."""

    client_id = "lens-at-northside"
    deployment_id = "deployment-1"
    roster_page_size = 2  # the roster comes in pages, each pointing to the next

    def __init__(self) -> None:
        self.private_key, self.public_key = new_key_pair()
        self.kid = Registration.get_jwk(self.public_key)["kid"]
        self.lock = threading.Lock()
        self.courses: dict[str, Course] = {}
        self.tamper: dict[str, Any] = {}  # spoils the next launch only
        self.fail_scores = 0  # the next N score posts get a 500
        self.score_posts: list[tuple[str, dict[str, Any]]] = []
        self.token_requests = 0
        self.deep_link_items: list[dict[str, Any]] = []
        self.tool: dict[str, str] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.issuer = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- set-up by the tests

    def connect(self, lens_url: str, login_path: str = "/lti/login/") -> None:
        """Register Lens here: its login, launch (and deep linking) and key set URLs."""
        self.tool = {
            "login": lens_url + login_path,
            "launch": lens_url + "/lti/launch/",
            "jwks": lens_url + "/lti/jwks.json",
        }

    def add_course(self, course_id: str, title: str, *members: Member) -> Course:
        course = Course(course_id, title, {m.sub: m for m in members})
        self.courses[course_id] = course
        return course

    def add_link(self, course_id: str, link_id: str, title: str = "Reading") -> ResourceLink:
        """A plain LMS link to Lens (not made by deep linking)."""
        link = ResourceLink(link_id, title)
        self.courses[course_id].links[link_id] = link
        return link

    def start_url(self, user: str, course: str, link: str = "", deep: bool = False) -> str:
        """Where the LMS sends a user's browser to open Lens (a link, or deep linking)."""
        query = {"user": user, "course": course, "link": link, "deep": "1" if deep else ""}
        return f"{self.url}/start?{urlencode(query)}"

    def page_url(self, user: str, course: str, link: str = "", deep: bool = False) -> str:
        """The LMS's own page of the course, showing Lens in an iframe."""
        query = {"user": user, "course": course, "link": link, "deep": "1" if deep else ""}
        return f"{self.url}/page?{urlencode(query)}"

    # --- lti1p3platform's registration and configuration

    def registration(self) -> Registration:
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(self.tool["login"])
            .set_launch_url(self.tool["launch"])
            .set_deeplink_launch_url(self.tool["launch"])
            .set_tool_key_set_url(self.tool["jwks"])
            .set_platform_public_key(self.public_key)
            .set_platform_private_key(self.private_key)
        )

    def config(self) -> PlatformConfig:
        config = PlatformConfig(lms=self)
        config.get_registration()
        return config

    def lineitems_url(self, course: Course) -> str:
        return f"{self.url}/lineitems/{course.id}"

    def memberships_url(self, course: Course) -> str:
        return f"{self.url}/nrps/{course.id}"

    def new_lineitem(self, course: Course, data: dict[str, Any]) -> LineItem:
        with self.lock:
            number = str(sum(len(c.lineitems) for c in self.courses.values()) + 1)
            item = LineItem(
                id=f"{self.lineitems_url(course)}/{number}",
                label=str(data.get("label", "")),
                score_maximum=float(data.get("scoreMaximum", 1)),
                resource_id=str(data.get("resourceId", "")),
                tag=str(data.get("tag", "")),
                resource_link_id=str(data.get("resourceLinkId", "")),
            )
            course.lineitems[number] = item
        return item

    # --- what the LMS does for each request

    def start(self, query: dict[str, str]) -> str:
        """OIDC login initiation: the user's browser goes to Lens's login URL."""
        hint = json.dumps({k: query.get(k, "") for k in ("course", "link", "deep")})
        login = StartLogin(None, self.config())
        login.set_lti_message_hint(hint=hint)
        return login.initiate_login(query["user"])

    def authorize(self, request: Request) -> tuple[int, str]:
        """Lens's authentication request: a launch for the user, posted back to Lens."""
        query = request.get_data
        if query.get("redirect_uri") != self.tool["launch"]:
            return 400, "redirect_uri is not the one registered"
        if query.get("response_type") != "id_token" or query.get("scope") != "openid":
            return 400, "not an OIDC implicit flow request"
        hint = json.loads(query.get("lti_message_hint") or "{}")
        course = self.courses[hint["course"]]
        member = course.members[query["login_hint"]]
        launch = Launch(request, self.config())
        launch.tamper, self.tamper = self.tamper, {}
        if launch.tamper.get("expires_in") is not None:
            launch.set_id_token_expiration(launch.tamper["expires_in"])
        launch.set_user_data(member.sub, member.roles, full_name=member.name)
        launch.set_launch_context_claim(
            course.id,
            context_types=["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            context_title=course.title,
            context_label=course.id,
        )
        launch.set_launch_presentation_claim(document_target="iframe", return_url=self.url)
        launch.set_nrps(self.memberships_url(course))
        if hint.get("deep"):
            launch.set_dl(
                f"{self.url}/deep-link-return/{course.id}",
                title="Add a Lens lesson",
                accept_types={"ltiResourceLink"},
                extra_data={"opaque": "kept by the LMS"},
            )
        else:
            # Without a link of its own (a course menu's "Lens"), the course's navigation link.
            link = course.links.get(hint["link"]) or ResourceLink(f"nav-{course.id}", "Lens")
            launch.set_resource_link_claim(link.id, title=link.title)
            if link.custom:
                launch.set_custom_parameters_claim(link.custom)
            launch.set_ags(self.lineitems_url(course), link.lineitem)
        return 200, launch.lti_launch()

    def deep_link_return(self, course: Course, form: dict[str, str]) -> tuple[int, str]:
        """Lens's deep linking response: checked against Lens's key set, then each resource
        link it names is placed in the course, with a gradebook column if it asks for one."""
        config = self.config()
        items = config.validate_deeplinking_resp({"JWT": form.get("JWT", "")})
        body = jwt.decode(form["JWT"], options={"verify_signature": False})
        if body.get("iss") != self.client_id or self.issuer not in body.get("aud", []):
            return 400, "not addressed to this LMS"
        if body.get(DEPLOYMENT_CLAIM) != self.deployment_id:
            return 400, "wrong deployment"
        with self.lock:
            self.deep_link_items.extend(items)
        for item in items:
            link = ResourceLink(
                id=f"rl-{len(course.links) + 1}",
                title=item.get("title", ""),
                custom=item.get("custom", {}),
            )
            if "lineItem" in item:
                line = self.new_lineitem(course, {**item["lineItem"], "resourceLinkId": link.id})
                link.lineitem = line.id
            course.links[link.id] = link
        titles = ", ".join(html.escape(link.title) for link in course.links.values())
        return 200, (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Added</title>'
            f'</head><body><p id="added">Added: {titles}</p></body></html>'
        )

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.token_requests += 1
        try:
            return 200, dict(self.config().get_access_token(form))
        except Exception as error:  # a refused client assertion, in OAuth's words
            return 400, {"error": "invalid_client", "error_description": str(error)}


def _handler_for(lms: LMS) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: str | dict, headers: dict[str, str] | None = None):
            if isinstance(body, dict):
                data, kind = json.dumps(body).encode(), "application/json"
            else:
                data, kind = body.encode(), "text/html; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", (headers or {}).pop("Content-Type", kind))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _request(self) -> Request:
            length = int(self.headers.get("Content-Length") or 0)
            return HttpRequest((self, self.rfile.read(length) if length else b""))

        def do_GET(self) -> None:
            self._safely(self._get)

        def do_POST(self) -> None:
            self._safely(self._post)

        def _safely(self, handle: Any) -> None:
            """An error in the LMS is a 500 saying what it was (never a dropped connection)."""
            try:
                handle()
            except Exception:
                self._send(500, "<pre>" + html.escape(traceback.format_exc()) + "</pre>")

        def _get(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            segments = parts.path.strip("/").split("/")
            if parts.path == "/start":
                self._send(302, "", {"Location": lms.start(query)})
            elif parts.path == "/page":
                start = html.escape(lms.start_url(**query))  # type: ignore[arg-type]
                self._send(
                    200,
                    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    "<title>Course page</title></head><body><h1>Course page</h1>"
                    f'<iframe title="Lens" name="lens" src="{start}" width="1100" '
                    'height="800"></iframe></body></html>',
                )
            elif parts.path == "/frame":
                # Any page, shown in a frame of the LMS's page (one Lens must refuse to be in).
                self._send(
                    200,
                    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    "<title>Framing</title></head><body>"
                    f'<iframe title="Framed" src="{html.escape(query["src"])}"></iframe>'
                    "</body></html>",
                )
            elif parts.path == "/authorize":
                status, page = lms.authorize(self._request())
                self._send(status, page)
            elif parts.path == "/jwks":
                self._send(200, {"keys": lms.registration().get_jwks()})
            elif segments[0] == "nrps" and len(segments) == 2:
                self._roster(lms.courses[segments[1]], int(query.get("page", 1)))
            elif segments[0] == "lineitems" and len(segments) == 2:
                course = lms.courses[segments[1]]
                items = [item.as_json() for item in course.lineitems.values()]
                service = Gradebook(self._request(), lms, course)
                response = service.handle_resp(service.handle_get_lineitems)
                if response.code != 200:
                    self._send(response.code, {"error": response.message})
                else:
                    self._send_json_list(items, response.media_type)
            else:
                self._send(404, "not here")

        def _send_json_list(self, items: list, media_type: str) -> None:
            data = json.dumps(items).encode()
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _roster(self, course: Course, page: int) -> None:
            service = Roster(self._request(), lms, course)
            response = service.handle_resp(service.handle_get_members)
            if response.code != 200:
                self._send(response.code, {"error": response.message})
                return
            body = response.result
            size = lms.roster_page_size
            members = body["members"]
            body["members"] = members[(page - 1) * size : page * size]
            headers = {"Content-Type": response.media_type}
            if page * size < len(members):
                # The next page's URL, with capitals in it (a client must not change its case).
                headers["Link"] = f'<{lms.memberships_url(course)}?page={page + 1}>; rel="next"'
            self._send(200, body, headers)

        def _post(self) -> None:
            parts = urlsplit(self.path)
            segments = parts.path.strip("/").split("/")
            request = self._request()
            if parts.path == "/token":
                status, body = lms.token(request.form_data)
                self._send(status, body)
            elif segments[0] == "deep-link-return" and len(segments) == 2:
                status, page = lms.deep_link_return(lms.courses[segments[1]], request.form_data)
                self._send(status, page)
            elif segments[0] == "lineitems" and len(segments) == 2:
                course = lms.courses[segments[1]]
                service = Gradebook(request, lms, course)
                response = service.handle_resp(service.handle_create_lineitem)
                self._send(response.code, response.result, {"Content-Type": response.media_type})
            elif segments[0] == "lineitems" and len(segments) == 4 and segments[3] == "scores":
                course = lms.courses[segments[1]]
                with lms.lock:
                    failing = lms.fail_scores > 0
                    lms.fail_scores -= 1 if failing else 0
                if failing:
                    self._send(500, {"error": "the gradebook is down"})
                    return
                service = Gradebook(request, lms, course)
                response = service.handle_resp(
                    service.handle_update_score, line_item_id=segments[2]
                )
                self._send(response.code, {"status": response.message})
            else:
                self._send(404, "not here")

    return Handler
