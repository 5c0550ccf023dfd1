"""The agent's client: signed, fail-closed calls to the gateway's governed actions."""

from __future__ import annotations

import base64
import copy
import json
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .a2a import _CONNECTOR, A2aCalls
from .config import GamutConfig, refuse_unknown_options
from .errors import (
    GamutApprovalDeniedError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
    GamutConfigurationError, GamutDeniedError, GamutIdentityMismatchError, GamutNotInvokedError, GamutProtocolError,
    GamutUpstreamError,
)
from .keys import AgentKey
from .runs import GamutRun, ambient_run, check_run_id, run_owner
from .signing import PERSON_HEADER, RUN_HEADER, check_person_token, message_signature_headers, signature_headers
from .transport import GatewayCalls, NoRedirect, gateway_opener

_ALLOW_FAMILY = frozenset({"allow", "allow_and_log", "degrade"})
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Decision:
    """A governed answer: the decision, its explanation and, when invoked, the connector's result."""

    invoked: bool
    decision: str
    explanation: dict
    #: A bearer credential for the executor: left out of ``repr`` (so of logs that print the decision).
    decision_token: str | None = field(default=None, repr=False)
    result: Any = None
    upstream_status: int | None = None
    simulated: bool = False
    #: The decision's signed receipt (docs/evidence.md), verifiable offline with verify_receipt and the gateway's JWKS;
    #: None from a gateway that issues none.
    receipt: str | None = None


@dataclass(frozen=True)
class DelegatedPermission:
    """One tool granted to a delegated child; ``action_types`` None: the parent's on that tool."""

    tool: str
    action_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Delegation:
    """The delegation a child's client was issued under (its secret, or its private key, is held by the client only)."""

    agent_id: str
    name: str
    parent: str
    depth: int
    expires_at: str
    key_fingerprint: str | None = None
    """For a child given a key pair: its key's fingerprint as the gateway names it."""


@dataclass(frozen=True)
class WaitForApproval:
    """How to wait on a required approval: poll with backoff until approved, denied, expired or the deadline."""

    deadline: float = 15 * 60.0
    initial_interval: float = 0.5
    max_interval: float = 10.0
    on_pending: Callable[[dict], None] | None = field(default=None, compare=False)


class GamutClient(A2aCalls, GatewayCalls):
    """Signed, fail-closed calls to the gateway. Configured with exactly the five GAMUT_* values (an agent registered
    with a public key gives ``private_key`` and ``key_id`` instead of ``secret``). ``timeout`` (seconds) bounds every
    call, the provider-native :meth:`opener` included. A plain-http ``base_url`` is refused unless its host is loopback
    or ``allow_insecure_http`` is True (GAMUT_ALLOW_INSECURE_HTTP=true)."""

    def __init__(self, *, base_url: str, tenant: str, workspace: str, agent_id: str, secret: str | None = None,
                 private_key: object = None, key_id: str | None = None, timeout: float = 30.0,
                 allow_insecure_http: bool = False, _gateway_issued_secret: bool = False, **other: Any) -> None:
        refuse_unknown_options(other, "GamutClient")
        self._config = GamutConfig.create(base_url=base_url, tenant=tenant, workspace=workspace, agent_id=agent_id, secret=secret,
                                          private_key=private_key, key_id=key_id, allow_insecure_http=allow_insecure_http,
                                          gateway_issued_secret=_gateway_issued_secret)
        if not timeout or timeout <= 0:
            raise GamutConfigurationError("timeout must be a positive number of seconds.")
        self._timeout = float(timeout)
        self._http = gateway_opener()
        self._person: str | None = None
        self._run: str | None = None
        self._delegation: Delegation | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, timeout: float = 30.0, allow_insecure_http: bool = False) -> "GamutClient":
        """GAMUT_BASE_URL, GAMUT_TENANT_SLUG, GAMUT_WORKSPACE_ID, GAMUT_AGENT_ID, GAMUT_BYO_AGENT_SECRET (or
        GAMUT_AGENT_PRIVATE_KEY and GAMUT_AGENT_KEY_ID instead of the secret), and GAMUT_ALLOW_INSECURE_HTTP."""
        config = GamutConfig.from_env(env, allow_insecure_http=allow_insecure_http)
        return cls(base_url=config.base_url, tenant=config.tenant, workspace=config.workspace, agent_id=config.agent_id,
                   secret=config.secret, private_key=config.agent_key, key_id=config.key_id, timeout=timeout,
                   allow_insecure_http=config.allow_insecure_http)

    def __repr__(self) -> str:
        return f"GamutClient({self._config!r})"

    @property
    def config(self) -> GamutConfig:
        return self._config

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def person_token(self) -> str | None:
        """The identity token of the person every call of this client acts for (:meth:`for_person`), or None."""
        return self._person

    def for_person(self, person_token: str) -> "GamutClient":
        """A client whose calls (and provider-native signing) act for the person ``person_token`` names: their identity
        token from the tenant's OpenID provider, sent as ``X-Gamut-Person`` and covered by each request's signature. A
        token that is not a compact JWS (three base64url parts) raises GamutConfigurationError, which does not repeat it."""
        client = copy.copy(self)
        client._person = check_person_token(person_token)
        return client

    @property
    def run_id(self) -> str | None:
        """The run every call of this client carries: the one it is bound to (:meth:`in_run`), else the run of the
        enclosing ``with gamut.run(...)`` block of this agent, else None."""
        return self._run or ambient_run(run_owner(self))

    def in_run(self, run_id: str) -> "GamutClient":
        """A client whose calls (and provider-native signing) belong to the run ``run_id``: each sends ``X-Gamut-Run``,
        covered by the signature. It shares this client's connection."""
        client = copy.copy(self)
        client._run = check_run_id(run_id)
        return client

    def run(self, *, framework: str | None = None, purpose: str | None = None, parent_run: str | None = None,
            timeout: float | None = None) -> GamutRun:
        """A run to enter: ``with gamut.run(framework="langgraph", purpose="refund triage") as run:`` starts it
        (``POST /v1/runs``), makes every call of this client in the block carry it, and ends it completed (or failed,
        when the block raises). An operator's cancel surfaces as GamutRunCancelledError. See :mod:`gamut_agent.runs`."""
        return GamutRun(self, framework=framework, purpose=purpose, parent_run=parent_run, timeout=timeout)

    def start_run(self, *, framework: str | None = None, purpose: str | None = None, parent_run: str | None = None,
                  timeout: float | None = None) -> GamutRun:
        """``POST /v1/runs`` now: the started run, whose ``client`` carries it; end it with ``complete()``/``fail()``."""
        return self.run(framework=framework, purpose=purpose, parent_run=parent_run, timeout=timeout).start()

    @property
    def delegation(self) -> Delegation | None:
        """For a delegated child's client: the delegation it was issued under; None for a registered agent's."""
        return self._delegation

    def delegate(self, name: str, permissions: list[DelegatedPermission | str], *, atf_level: str | None = None,
                 data_class_ceiling: str | None = None, ttl_seconds: int | None = None, run_id: str | None = None,
                 may_delegate: bool = False, private_key: object = None, timeout: float | None = None) -> "GamutClient":
        """POST /v1/delegations: issues a short-lived child identity that only narrows this agent and returns a client
        signed as the child with its own id and secret (shown nowhere else). With ``private_key`` (the child's own
        Ed25519 or P-256 key: a ``cryptography`` key, PEM or base64 PKCS#8) its public half is registered instead of a
        secret being minted, and the child's client signs with it (RFC 9421, its own id as key id). The child is governed like any agent against
        this agent's entry narrowed by the grant, and refused from its next request once this agent is suspended, loses
        the permission, or the grant is revoked or expires. A grant asking beyond this agent raises GamutDeniedError with
        code ``delegation_widens_authority`` (each widening in ``error.problem["widenings"]``)."""
        granted = [p if isinstance(p, DelegatedPermission) else DelegatedPermission(p) for p in permissions]
        body: dict[str, Any] = {
            "name": name,
            "permissions": [{"tool": p.tool, **({"action_types": list(p.action_types)} if p.action_types else {})} for p in granted],
        }
        for key, value in (("atf_level", atf_level), ("data_class_ceiling", data_class_ceiling), ("ttl_seconds", ttl_seconds), ("run_id", run_id)):
            if value is not None:
                body[key] = value
        if may_delegate:
            body["may_delegate"] = True
        child_key = None if private_key is None else (private_key if isinstance(private_key, AgentKey) else AgentKey(private_key))
        if child_key is not None:
            body["public_key"] = {"alg": child_key.alg, "key": base64.b64encode(child_key.public_key_spki()).decode("ascii")}
        answer = self._request("POST", "/v1/delegations", body, timeout)
        issued = answer.get("delegation")
        registered = issued.get("public_key") if isinstance(issued, dict) else None
        if not isinstance(answer.get("agent"), str) or not isinstance(issued, dict) or (
                ("secret" in answer or not isinstance(registered, dict) or registered.get("key_id") != answer["agent"])
                if child_key is not None else not isinstance(answer.get("secret"), str)):
            raise GamutProtocolError("The gateway answered the delegation without the child's id and secret (or, for a key child, its key).")
        c = self._config
        if answer.get("tenant") != c.tenant or issued.get("parent") != c.agent_id:
            raise GamutIdentityMismatchError(
                f"The delegation names tenant '{answer.get('tenant')}' and parent '{issued.get('parent')}', not this agent.", code="identity_mismatch")
        # A minted secret is random base64url, never a provider key, though a few in a million start like one (sk-, hf_).
        signing: dict[str, Any] = ({"secret": answer["secret"], "_gateway_issued_secret": True} if child_key is None
                                   else {"private_key": child_key, "key_id": answer["agent"]})
        child = GamutClient(base_url=c.base_url, tenant=c.tenant, workspace=c.workspace, agent_id=answer["agent"],
                            timeout=self._timeout, allow_insecure_http=c.allow_insecure_http, **signing)
        child._delegation = Delegation(answer["agent"], issued.get("name", name), issued["parent"], int(issued.get("depth", 1)), issued.get("expires_at", ""),
                                       registered.get("fingerprint") if child_key is not None else None)
        return child

    def provider_url(self, connector: str) -> str:
        """The provider-native base URL of a connector, e.g. ``<base>/providers/openai``."""
        if not _CONNECTOR.fullmatch(connector or ""):
            raise GamutConfigurationError(f"'{connector}' is not a connector name.")
        return f"{self._config.base_url}/providers/{connector}"

    def signature_headers(self, method: str, target: str, body: bytes = b"", headers: Mapping[str, str] | None = None,
                          person_token: str | None = None, *, target_uri: str | None = None, run_id: str | None = None) -> dict[str, str]:
        """The signature headers for one request to this gateway (for provider-native clients): the six X-Gamut-*
        headers, or for an agent with a key pair the RFC 9421 ones over ``target_uri`` (the absolute URL sent to;
        by default the base URL's origin followed by ``target``). Raises GamutSecretMaterialError when the agent's
        secret is in the target, the body or ``headers`` (see :func:`gamut_agent.signature_headers`). The person's token
        (``person_token``, else an ``X-Gamut-Person`` in ``headers``, else this client's) is sent and covered by the
        signature: the v1 tenth line, or the RFC 9421 component ``x-gamut-person``. So is the run (``run_id``, else an
        ``X-Gamut-Run`` in ``headers``, else this client's :attr:`run_id`): the v1 last line, or ``x-gamut-run``."""
        c = self._config
        # A token given (per call, or as a header) is checked even when empty: it never silently falls back to another.
        person = next((p for p in (person_token, _header(headers, PERSON_HEADER), self._person) if p is not None), None)
        run = run_id or _header(headers, RUN_HEADER) or self.run_id
        if c.agent_key is not None:
            parts = urllib.parse.urlsplit(c.base_url)
            # @target-uri is what the gateway rebuilds from the request as sent: never a fragment (HTTP does not send one).
            return message_signature_headers(tenant=c.tenant, workspace=c.workspace, agent_id=c.agent_id, agent_key=c.agent_key,
                                             key_id=c.key_id, method=method, body=body, person_token=person, run_id=run,
                                             target_uri=(target_uri or f"{parts.scheme}://{parts.netloc}{target}").split("#", 1)[0])
        return signature_headers(tenant=c.tenant, workspace=c.workspace, agent_id=c.agent_id, secret=c.secret,
                                 method=method, target=target, body=body, headers=headers, person_token=person, run_id=run)

    # The three governed actions, evaluate, and approvals.

    def evaluate(self, tool: str, args: Mapping[str, Any] | None = None, **options: Any) -> Decision:
        """POST /v1/evaluate: decide only. Returns the decision for the allow family; raises for every other outcome."""
        timeout = options.pop("timeout", None)
        person = options.pop("person_token", None)
        body = _tool_body(tool, args, options)
        answer = self._request("POST", "/v1/evaluate", body, timeout, person)
        return self._check_decision(answer, tool=tool, require_invoked=False, simulate=body.get("simulate") is True,
                                    evaluated_with_warrant=isinstance(body.get("warrant"), str))

    def invoke_tool(self, tool: str, args: Mapping[str, Any] | None = None, *,
                    wait_for_approval: WaitForApproval | bool | None = None, **options: Any) -> Decision:
        """POST /v1/actions/invoke-tool. With ``wait_for_approval``, waits and retries once with the warrant."""
        timeout = options.pop("timeout", None)
        person = options.pop("person_token", None)
        return self._governed("/v1/actions/invoke-tool", _tool_body(tool, args, options), tool, wait_for_approval, timeout, person)

    def context(self, scope: str, query: str | None = None, max_bytes: int | None = None, *,
                timeout: float | None = None) -> Decision:
        """POST /v1/actions/context: a bounded, tenant-scoped context pack."""
        body: dict[str, Any] = {"scope": scope}
        if query is not None:
            body["query"] = query
        if max_bytes is not None:
            body["max_bytes"] = max_bytes
        return self._governed("/v1/actions/context", body, None, None, timeout)

    def model(self, connector: str, request: Mapping[str, Any], *, wait_for_approval: WaitForApproval | bool | None = None,
              timeout: float | None = None) -> Decision:
        """POST /v1/actions/model: a provider-native request through a model connector (the gateway holds the key)."""
        return self._governed("/v1/actions/model", {"connector": connector, "request": dict(request)}, connector, wait_for_approval, timeout)

    def get_approval(self, approval_id: str) -> dict:
        """GET /v1/approvals/{id}: ``{id, status, approvers, approvals, expires_at, warrant?}``."""
        if not isinstance(approval_id, str) or not _SAFE_ID.fullmatch(approval_id):
            raise GamutConfigurationError("An approval id is required.")
        approval = self._request("GET", f"/v1/approvals/{approval_id}", None, None)
        if approval.get("id") != approval_id:
            raise GamutIdentityMismatchError(f"The gateway answered for approval {approval.get('id')!r}, not {approval_id!r}.")
        return approval

    def wait_for_approval(self, approval_id: str, wait: WaitForApproval | None = None, *, tool: str | None = None) -> str:
        """Polls with backoff until approved (returns the warrant), denied, expired or the deadline (typed errors)."""
        wait = wait or WaitForApproval()
        deadline = time.monotonic() + wait.deadline
        interval = wait.initial_interval
        while True:
            approval = self.get_approval(approval_id)
            status = approval.get("status")
            if status == "approved":
                warrant = approval.get("warrant")
                if not isinstance(warrant, str):
                    raise GamutProtocolError(f"Approval {approval_id} is approved but carries no warrant.")
                self._check_identity(warrant, "w1.", tool, f"the warrant of approval {approval_id}")
                return warrant
            if status == "denied":
                raise GamutApprovalDeniedError(f"Approval {approval_id} was denied.", code="approval_denied")
            if status == "expired":
                raise GamutApprovalExpiredError(f"Approval {approval_id} expired before it was approved.", code="approval_expired")
            if status != "pending":
                raise GamutProtocolError(f"Approval {approval_id} has an unknown status {status!r}.")
            if wait.on_pending:
                wait.on_pending(approval)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise GamutApprovalTimeoutError(f"Approval {approval_id} was still pending at the deadline.", code="approval_deadline")
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, wait.max_interval)

    # Provider-native clients.

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener that signs every request to this gateway and refuses any other URL (streaming included).
        ``open`` without a ``timeout`` uses this client's; no answer within it raises GamutTimeoutError."""
        from .providers import GatewayOpener, SigningHandler
        return GatewayOpener(self._timeout, urllib.request.build_opener(NoRedirect, SigningHandler(self)).handlers)

    def httpx_auth(self):
        """An ``httpx.Auth`` that signs each request (imports httpx only when called), for a client that does not follow
        redirects (httpx's default); else use :meth:`httpx_client` (see :func:`gamut_agent.providers.httpx_auth`)."""
        from .providers import httpx_auth
        return httpx_auth(self)

    def httpx_client(self, **options: Any):
        """An ``httpx.Client`` that signs every request and never follows a redirect (:func:`gamut_agent.providers.httpx_client`),
        e.g. ``OpenAI(base_url=gamut.provider_url("openai"), api_key="x", max_retries=0, http_client=gamut.httpx_client())``.
        ``options`` go to httpx (``timeout`` defaults to this client's). Imports httpx only when called."""
        from .providers import httpx_client
        return httpx_client(self, **{"timeout": self._timeout, **options})

    def httpx_async_client(self, **options: Any):
        """:meth:`httpx_client` as an ``httpx.AsyncClient`` (for ``AsyncOpenAI(..., http_client=...)``)."""
        from .providers import httpx_client
        return httpx_client(self, asynchronous=True, **{"timeout": self._timeout, **options})

    # Internals.

    def _governed(self, target: str, body: dict, tool: str | None, wait: WaitForApproval | bool | None, timeout: float | None,
                  person: str | None = None) -> Decision:
        try:
            answer = self._request("POST", target, body, timeout, person)
        except GamutApprovalRequiredError as error:
            # The first attempt was refused (not invoked), so one retry with the warrant cannot run the action twice.
            approval_id = (error.approval or {}).get("id")
            if not wait or not approval_id:
                raise
            warrant = self.wait_for_approval(approval_id, wait if isinstance(wait, WaitForApproval) else None, tool=tool)
            answer = self._request("POST", target, {**body, "warrant": warrant}, timeout, person)
        return self._check_decision(answer, tool=tool, require_invoked=True)

    def _check_decision(self, answer: Any, *, tool: str | None, require_invoked: bool, simulate: bool = False,
                        evaluated_with_warrant: bool = False) -> Decision:
        if not isinstance(answer, dict) or not isinstance(answer.get("decision"), str) or not isinstance(answer.get("invoked"), bool):
            raise GamutProtocolError("The gateway answered without a decision.")
        decision = answer["decision"]
        details = {"code": decision, "decision": decision, "explanation": answer.get("explanation")}
        if decision not in _ALLOW_FAMILY:
            raise GamutDeniedError(f"The gateway decided {decision}.", status=200, **details)
        if require_invoked and not answer["invoked"]:
            raise GamutNotInvokedError(f"The gateway decided {decision} but did not invoke the connector.", **{**details, "code": "not_invoked"})
        token = answer.get("decision_token")
        # A simulation may execute nothing, so it carries no token, nor does an evaluation allowed by a warrant (only the
        # warrant, spent by the action, carries it out: docs/agent-protocol.md); any token present is still checked.
        if token is not None or (decision != "degrade" and not simulate and not evaluated_with_warrant):
            if not isinstance(token, str):
                raise GamutIdentityMismatchError("The decision carries no decision token to check the identity against.", **details)
            self._check_identity(token, "v1.", tool, "the decision token")
        upstream = answer.get("upstream_status")
        if upstream is not None and not 200 <= upstream <= 299:
            error = GamutUpstreamError(f"The connector's upstream answered {upstream}.", **{**details, "code": "upstream_error"})
            error.upstream_status = upstream
            error.result = answer.get("result")
            raise error
        return Decision(invoked=answer["invoked"], decision=decision, explanation=answer.get("explanation") or {},
                        decision_token=token, result=answer.get("result"), upstream_status=upstream,
                        simulated=bool(answer.get("simulated", False)),
                        receipt=answer.get("receipt") if isinstance(answer.get("receipt"), str) else None)

    def _check_identity(self, token: str, prefix: str, tool: str | None, what: str) -> None:
        parts = token.split(".")
        try:
            if not token.startswith(prefix) or len(parts) != 3:
                raise ValueError("shape")
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except (ValueError, json.JSONDecodeError) as exc:
            raise GamutIdentityMismatchError(f"{what} is not a readable token.") from exc
        mismatches = []
        if payload.get("tid") != self._config.tenant:
            mismatches.append(f"tenant {payload.get('tid')!r}")
        if payload.get("aid") != self._config.agent_id:
            mismatches.append(f"agent {payload.get('aid')!r}")
        if tool is not None and payload.get("tool") not in (None, tool):
            mismatches.append(f"tool {payload.get('tool')!r}")
        if mismatches:
            raise GamutIdentityMismatchError(f"{what} names {', '.join(mismatches)}, not this agent's request.", code="identity_mismatch")


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    return next((v for k, v in (headers or {}).items() if k.lower() == name.lower()), None)


def _tool_body(tool: str, args: Mapping[str, Any] | None, options: dict[str, Any]) -> dict:
    if not isinstance(tool, str) or not tool:
        raise GamutConfigurationError("A tool name is required.")
    body: dict[str, Any] = {"tool": tool, "args": dict(args or {})}
    for name, wire in (("targets", "targets"), ("data_classes", "data_classes"), ("provenance", "provenance"),
                       ("warrant", "warrant"), ("simulate", "simulate")):
        if name in options:
            body[wire] = options.pop(name)
    if options:
        raise GamutConfigurationError(f"Unknown option(s) {sorted(options)}: a tool call takes targets, data_classes, provenance, warrant, simulate.")
    return body
