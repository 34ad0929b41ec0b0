"""Starts and stops the whole local system: emulated AWS, the template's resources and functions, and the API."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack import functions, staff_accounts, state
from devstack.api_gateway import make_server
from devstack.authorizers import local_authorizers
from devstack.resources import REGION, LocalResources, create_resources, placeholder_resources
from devstack.template import ROOT, load_template, resources_of_type

LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # botocore would otherwise send DynamoDB Streams calls to an account-based endpoint moto does not intercept.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


COGNITO_ROUTE = "/_local/cognito-idp/"
# What a browser may ask a user pool without AWS credentials (the staff page's sign-in and sign-out).
PUBLIC_COGNITO_ACTIONS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "GlobalSignOut",
        "RevokeToken",
        "GetUser",
    }
)


@dataclass
class Background:
    """A loop the stack runs beside the API (an SQS poller, a stream reader, the partner simulator)."""

    name: str
    run: Callable[[threading.Event], None]
    thread: threading.Thread | None = None


@dataclass
class LocalStack:
    host: str = "127.0.0.1"
    port: int = 3000
    state_dir: Path | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    # The local stack is plain http on 127.0.0.1, where a Secure cookie would never be sent back.
    extra_environment: dict[str, str] = field(default_factory=lambda: {"SESSION_COOKIE_SECURE": "false"})
    pool_size: int = 4
    # The sample staff accounts made at first start: user name → first-time password (empty after a restart).
    first_time_passwords: dict[str, str] = field(default_factory=dict)
    # STAFF_TOKEN_SECONDS when set: how long every staff token lasts instead of the app client's settings.
    staff_token_seconds: int | None = None

    def start(self) -> None:
        import boto3

        from devstack.emulation import Emulation

        os.environ.update({**LOCAL_ENVIRONMENT, **staff_accounts.TOTP_CHECKING})
        self._moto = Emulation(port=int(os.environ.get("AWS_EMULATION_PORT", "0"))).start()
        self.aws_endpoint = self._moto.endpoint
        os.environ["AWS_ENDPOINT_URL"] = self.aws_endpoint

        self.template = load_template()
        import botocore.session

        from devstack.emulation import INTERNAL_USER_AGENT

        # The stack's own calls (set-up, pollers) stand for AWS's own machinery: the throttling switch spares them.
        internal = botocore.session.get_session()
        internal.user_agent_extra = INTERNAL_USER_AGENT
        self.session = boto3.Session(region_name=REGION, botocore_session=internal)
        add_layers_to_path(self.template)
        from ils_simulator import IlsSimulator
        from partner_simulator.server import PartnerSimulator

        # The library system (ILS) over SIP2; its account (login, password) is .ils_simulator.account.
        self.ils_simulator = IlsSimulator(
            port=int(os.environ.get("ILS_SIMULATOR_PORT", "0")),
            rest_port=int(os.environ.get("ILS_REST_SIMULATOR_PORT", "0")),
        )
        self.simulator = PartnerSimulator(
            {},
            f"http://{self.host}:{self.port}",
            port=int(os.environ.get("PARTNER_SIMULATOR_PORT", "0")),
            ils=self.ils_simulator,
            aws_throttling=self._moto.throttling,
        )
        simulated = f"http://127.0.0.1:{self.simulator.port}"
        self.parameters = {
            "NtpcBaseUrl": f"{simulated}/ntpc",
            "KlcplBaseUrl": f"{simulated}/klcpl",
            "PublicBaseUrl": f"http://{self.host}:{self.port}",
            "TaipeiCardBaseUrl": f"{simulated}/taipei-card",
            "LinkRetryBaseSeconds": "1",
            "IlsHost": "127.0.0.1",
            "IlsPort": str(self.ils_simulator.port),
            "IlsInstitutionId": self.ils_simulator.institution_id,
            "IlsRestBaseUrl": self.ils_simulator.rest.url,
            **self.parameters,
        }
        saved = state.load_state(self.state_dir) if self.state_dir else {}
        self.resources: LocalResources = create_resources(
            self.session, self.template, secret_values=state.saved_secret_values(saved), parameters=self.parameters
        )
        if saved:
            state.restore(self.session, self.resources, saved)
        self._give_the_functions_the_ils_account()
        self._staff_accounts(saved)

        self.specs = prepare_for_import(self.resources)
        # Mail goes to a folder instead of Amazon SES; the functions find it through this variable, which only the
        # local stack sets (template.yaml never does, so in AWS they use SES).
        self.mail_dir = (self.state_dir or Path(tempfile.mkdtemp(prefix="onecard-mail-"))) / "mail"
        os.environ.update({**self.extra_environment, "ONECARD_MAIL_SINK_DIR": str(self.mail_dir)})
        self.pools = {name: functions.FunctionPool(spec, self.pool_size) for name, spec in self.specs.items()}
        for pool in self.pools.values():
            pool.warm()

        stage = self.resources.resolver.ref("Stage")
        self._server = make_server(
            self.host,
            self.port,
            functions.api_routes(self.specs),
            self.invoke,
            stage,
            local_routes=self.local_route,
            authorizers=local_authorizers(self.template, self.resources.refs, REGION),
        )
        self.port = self._server.server_address[1]
        # The staff page signs in at the emulated user pool through the local route below (same origin).
        os.environ["STAFF_SIGN_IN_ENDPOINT"] = f"{self.url}{COGNITO_ROUTE}"
        self._stop = threading.Event()
        self._server_thread = threading.Thread(target=self._server.serve_forever, name="api", daemon=True)
        self._server_thread.start()
        self.background: list[Background] = []
        self.simulator.callback_base_url = self.url
        self.simulator.secrets.update(self._partner_secrets())
        self.run_in_background("partner-simulator", self.simulator.serve)
        self.run_in_background("ils-simulator", self.ils_simulator.serve)
        self._start_event_sources()

    def _give_the_functions_the_ils_account(self) -> None:
        """The stack plays the operator who puts the library system's SIP account and REST client into their
        secrets (the simulator makes new ones at every start)."""
        secrets = self.session.client("secretsmanager")
        if "IlsSipAccountSecret" in self.resources.secret_ids:
            account = self.ils_simulator.account
            secrets.put_secret_value(
                SecretId=self.resources.secret_ids["IlsSipAccountSecret"],
                SecretString=json.dumps({"login": account.login, "password": account.password}),
            )
        if "IlsRestClientSecret" in self.resources.secret_ids:
            client = self.ils_simulator.rest.clients[0]
            secrets.put_secret_value(
                SecretId=self.resources.secret_ids["IlsRestClientSecret"],
                SecretString=json.dumps({"client_id": client.client_id, "client_secret": client.client_secret}),
            )

    def _staff_accounts(self, saved: dict[str, Any]) -> None:
        """One sample user per group at first start; afterwards the accounts as they were left."""
        cognito = self.session.client("cognito-idp")
        pool = self.resources.user_pools["StaffUserPool"]
        self.staff_token_seconds = staff_accounts.token_seconds_override()
        staff_accounts.behave_like_aws(pool, self.staff_token_seconds)
        if "staff_users" in saved:
            staff_accounts.restore_users(cognito, pool, saved["staff_users"])
        else:
            self.first_time_passwords = staff_accounts.create_sample_users(cognito, pool)

    def staff_users(self) -> list[dict[str, Any]]:
        return staff_accounts.saved_users(
            self.session.client("cognito-idp"), self.resources.user_pools["StaffUserPool"]
        )

    def _partner_secrets(self) -> dict[str, bytes]:
        client = self.session.client("secretsmanager")
        names = {"ntpc": "NtpcPartnerSecret", "klcpl": "KlcplPartnerSecret", "taipei-card": "TaipeiCardPartnerSecret"}
        from onecard.security.key_versions import VersionedKeys

        # The simulated partners sign with the current version of a secret restored from a rotation.
        return {
            partner: VersionedKeys.parse(
                client.get_secret_value(SecretId=self.resources.secret_ids[name])["SecretString"]
            ).current_key
            for partner, name in names.items()
            if name in self.resources.secret_ids
        }

    def _start_event_sources(self) -> None:
        """SQS and DynamoDB stream events of template.yaml, polled as Lambda's event source mappings would."""
        from devstack.queues import poll_queue
        from devstack.streams import poll_stream

        sqs = self.session.client("sqs")
        attributes = self.resources.resolver.attributes
        for spec in self.specs.values():
            for name, props in spec.events_of_type("SQS").items():
                queue = props["Queue"].value[0]
                url, arn = self.resources.queue_urls[queue], attributes[(queue, "Arn")]
                # Lambda polls a queue with several concurrent batches, up to the function's reserved concurrency.
                for poller in range(min(spec.reserved_concurrency or self.pool_size, self.pool_size)):
                    self.run_in_background(
                        f"{spec.name}-{name}-{poller}",
                        functools.partial(poll_queue, sqs, spec, props, url, arn, self.invoke),
                    )
            for name, props in spec.events_of_type("DynamoDB").items():
                table = self.resources.table_names[props["Stream"].value[0]]
                self.run_in_background(
                    f"{spec.name}-{name}", functools.partial(poll_stream, table, spec, props, self.invoke)
                )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return self.pools[function].invoke(event)

    def local_route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        """Routes that exist only in the local stack, never in template.yaml: GET /_local/mail lists the mail the
        functions would have sent, newest first; POST /_local/cognito-idp/ is the user pool's public sign-in
        endpoint (the calls a browser makes without AWS credentials, and nothing else of the emulation)."""
        if path == COGNITO_ROUTE:
            return self._cognito(method, headers, body)
        if path.rstrip("/") != "/_local/mail":
            return None
        if method != "GET":
            return (
                405,
                {"Content-Type": "application/problem+json", "Allow": "GET"},
                json.dumps({"type": "about:blank", "title": "Method Not Allowed", "status": 405}).encode(),
            )
        from onecard.mail.local_sink import read_messages

        return (
            200,
            {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
            json.dumps(read_messages(self.mail_dir), ensure_ascii=False).encode("utf-8"),
        )

    def _cognito(self, method: str, headers: dict[str, str], body: bytes) -> Any:
        import urllib.error
        import urllib.request

        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
        action = target.removeprefix("AWSCognitoIdentityProviderService.")
        if method != "POST" or action not in PUBLIC_COGNITO_ACTIONS:
            return (
                400,
                {"Content-Type": "application/x-amz-json-1.1"},
                json.dumps(
                    {"__type": "InvalidParameterException", "message": "Not a public user pool action"}
                ).encode(),
            )
        request = urllib.request.Request(
            f"{self.aws_endpoint}/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return (
                    answer.status,
                    {"Content-Type": "application/x-amz-json-1.1", "Cache-Control": "no-store"},
                    answer.read(),
                )
        except urllib.error.HTTPError as refused:
            return (
                refused.code,
                {"Content-Type": "application/x-amz-json-1.1", "Cache-Control": "no-store"},
                refused.read(),
            )

    def run_in_background(self, name: str, run: Callable[[threading.Event], None]) -> None:
        job = Background(name, run)
        job.thread = threading.Thread(target=run, args=(self._stop,), name=name, daemon=True)
        job.thread.start()
        self.background.append(job)

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        # One shared deadline, so that Ctrl-C stops the whole stack within seconds however many loops run.
        deadline = time.monotonic() + 2
        for job in self.background:
            if job.thread:
                job.thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self.state_dir:
            state.save_state(self.state_dir, self.session, self.resources, {"staff_users": self.staff_users()})
        self._moto.stop()


def add_layers_to_path(template: dict[str, Any]) -> None:
    """Lambda puts a layer's code on the import path; so does the local stack."""
    for layer in resources_of_type(template, "AWS::Serverless::LayerVersion").values():
        layer_path = str(ROOT / layer["Properties"]["ContentUri"])
        if layer_path not in sys.path:
            sys.path.insert(0, layer_path)


def prepare_for_import(resources: LocalResources | None = None) -> dict[str, functions.FunctionSpec]:
    """Import path and environment as the template gives them, so handler modules can be imported."""
    template = load_template()
    resources = resources or placeholder_resources(template)
    add_layers_to_path(template)
    specs = functions.function_specs(template, resources.resolver)
    functions.prepare_process_environment(specs)
    return specs
