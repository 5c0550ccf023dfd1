"""A2A (docs/a2a.md) through the gateway's ``/a2a/{connector}`` route: every call signed like any agent request, each
message decided per skill. A held message raises the SDK's :class:`GamutApprovalRequiredError`; a JSON-RPC error raises
a typed error with the gateway's stable code. A2A 1.0 method names by default, 0.3's with ``version="0.3"``."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from typing import Any, Iterator, Mapping

from .agent_card import KEYS_PATH, check_card_signature, signed_members
from .errors import (
    GamutA2aError, GamutApprovalRequiredError, GamutConfigurationError, GamutDeniedError, GamutError, GamutProtocolError,
    GamutRateLimitedError,
)

SKILL_METADATA_KEY = "gamut.dev/skill"
A2A_WARRANT_METADATA_KEY = "gamut.dev/warrant"
APPROVAL_METADATA_KEY = "gamut.dev/approval"

_METHODS = {
    "1.0": {"send": "SendMessage", "stream": "SendStreamingMessage", "get": "GetTask", "cancel": "CancelTask", "list": "ListTasks"},
    "0.3": {"send": "message/send", "stream": "message/stream", "get": "tasks/get", "cancel": "tasks/cancel", "list": "tasks/list"},
}
_HELD_STATES = {"TASK_STATE_INPUT_REQUIRED", "input-required"}
_BLOCKING = {"block", "block_and_open_incident"}
# A letter or digit first: '.' and '..' are path segments, never a connector.
_CONNECTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_ids = itertools.count(1)


class A2aCalls:
    """The A2A calls of :class:`GamutClient` (a mixin: it signs and sends with the client's ``_exchange``)."""

    def agent_card(self, connector: str, *, timeout: float | None = None) -> dict:
        """GET /a2a/{connector}/.well-known/agent-card.json: the card rewritten to name the gateway, filtered, signed by it;
        its signature verified with the gateway's receipt keys (GamutCardSignatureError when it does not), and only the
        members it covers returned, with ``url`` and ``signatures``."""
        from .transport import _error_for
        status, _, text, retry_after = self._exchange("GET", f"{_route(connector)}/.well-known/agent-card.json", None, timeout)
        card = _parse(text)
        if not 200 <= status <= 299:
            raise _error_for(status, card if isinstance(card, dict) else None, retry_after)
        if not isinstance(card, dict):
            raise GamutProtocolError("The gateway answered the agent card without a JSON object.")
        check_card_signature(self.base_url, card, lambda: self._receipt_keys(timeout))
        return signed_members(card)

    def _receipt_keys(self, timeout: float | None) -> dict:
        """The gateway's receipt keys (``/.well-known/gamut-receipt-keys.json``), with which its card signature verifies."""
        status, _, text, _ = self._exchange("GET", KEYS_PATH, None, timeout, accept="application/jwk-set+json, application/json")
        jwks = _parse(text)
        if status != 200 or not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise GamutProtocolError(f"The gateway answered its receipt keys with {status} and no key set; the agent card is not trusted.")
        return jwks

    def send_message(self, connector: str, text: str | None = None, *, skill: str | None = None, parts: list | None = None,
                     data: Any = None, message_id: str | None = None, task_id: str | None = None, context_id: str | None = None,
                     metadata: Mapping[str, Any] | None = None, warrant: str | None = None, version: str = "1.0",
                     wait_for_approval: Any = None, timeout: float | None = None) -> dict:
        """``SendMessage`` (``message/send``): ``{"task": ...}`` or ``{"message": ...}``. A held message raises
        GamutApprovalRequiredError (``error.message_id`` is the message to resend with the warrant); with
        ``wait_for_approval`` it waits and resends it once with the warrant."""
        from .client import WaitForApproval
        params = _message_params(text, skill, parts, data, message_id, task_id, context_id, metadata, warrant, _version(version))
        try:
            return self._a2a_call(connector, _METHODS[version]["send"], params, version, timeout, True)
        except GamutApprovalRequiredError as error:
            approval_id = (error.approval or {}).get("id")
            if not wait_for_approval or not approval_id:
                raise
            wait = wait_for_approval if isinstance(wait_for_approval, WaitForApproval) else None
            warranted = {**params, "metadata": {**params["metadata"], A2A_WARRANT_METADATA_KEY: self.wait_for_approval(approval_id, wait)}}
            return self._a2a_call(connector, _METHODS[version]["send"], warranted, version, timeout, True)

    def stream_message(self, connector: str, text: str | None = None, *, skill: str | None = None, parts: list | None = None,
                       data: Any = None, message_id: str | None = None, task_id: str | None = None, context_id: str | None = None,
                       metadata: Mapping[str, Any] | None = None, warrant: str | None = None, version: str = "1.0",
                       timeout: float | None = None) -> Iterator[dict]:
        """``SendStreamingMessage`` (``message/stream``): the events' ``result`` in order (the gateway relays the stream
        once it has read and redacted it whole). A held message raises before the first event."""
        params = _message_params(text, skill, parts, data, message_id, task_id, context_id, metadata, warrant, _version(version))
        status, kind, body, retry_after = self._exchange("POST", _route(connector), _request(_METHODS[version]["stream"], params), timeout,
                                                         accept="text/event-stream, application/json")
        if "text/event-stream" not in kind.lower():
            return iter([_outcome(status, _parse(body), version, params, True, retry_after)])
        events = []
        for block in re.split(r"\r?\n\r?\n", body.decode("utf-8")):
            payload = "\n".join(line[5:].lstrip() for line in block.splitlines() if line.startswith("data:"))
            if payload:
                events.append(_outcome(status, _parse(payload.encode("utf-8")), version, params, False, retry_after))
        return iter(events)

    def get_task(self, connector: str, task_id: str, *, version: str = "1.0", timeout: float | None = None) -> dict:
        """``GetTask`` (``tasks/get``) of a task this agent opened."""
        return self._a2a_call(connector, _METHODS[_version(version)]["get"], _task_params(task_id), version, timeout, False)

    def cancel_task(self, connector: str, task_id: str, *, version: str = "1.0", timeout: float | None = None) -> dict:
        """``CancelTask`` (``tasks/cancel``) of a task this agent opened."""
        return self._a2a_call(connector, _METHODS[_version(version)]["cancel"], _task_params(task_id), version, timeout, False)

    def list_tasks(self, connector: str, params: Mapping[str, Any] | None = None, *, version: str = "1.0",
                   timeout: float | None = None) -> dict:
        """``ListTasks`` (``tasks/list``; ``params`` e.g. ``{"contextId", "pageSize", "pageToken"}``): ``{"tasks": [...], ...}``,
        the gateway keeping only this agent's tasks."""
        return self._a2a_call(connector, _METHODS[_version(version)]["list"], dict(params or {}), version, timeout, False)

    def _a2a_call(self, connector: str, method: str, params: dict, version: str, timeout: float | None, is_message: bool) -> dict:
        status, _, body, retry_after = self._exchange("POST", _route(connector), _request(method, params), timeout, accept="application/json")
        return _outcome(status, _parse(body), version, params, is_message, retry_after)


def _request(method: str, params: dict) -> dict:
    return {"jsonrpc": "2.0", "id": f"gamut-{next(_ids)}", "method": method, "params": params}


def _outcome(status: int, reply: Any, version: str, params: dict, is_message: bool, retry_after: str | None = None) -> Any:
    from .transport import _error_for
    if not isinstance(reply, dict) or reply.get("jsonrpc") != "2.0":
        if not 200 <= status <= 299:
            raise _error_for(status, reply if isinstance(reply, dict) else None, None)
        raise GamutProtocolError(f"The gateway answered {status} without a JSON-RPC reply.")
    if "error" in reply:
        raise _rpc_error(reply["error"] if isinstance(reply["error"], dict) else {}, retry_after)
    if "result" not in reply:
        raise GamutProtocolError("The JSON-RPC reply has neither result nor error.")
    result = reply["result"]
    task = None
    if isinstance(result, dict):
        task = result.get("task") if isinstance(result.get("task"), dict) else (result if result.get("kind") == "task" else None)
    approval = ((task or {}).get("metadata") or {}).get(APPROVAL_METADATA_KEY)
    # Only the answer to a message sent is held for approval: a task read back (get_task) is returned as it is.
    if is_message and task and (task.get("status") or {}).get("state") in _HELD_STATES and isinstance(approval, dict) and approval.get("id"):
        error = GamutApprovalRequiredError(f"The message was held for approval {approval['id']}.", status=status, code="approval_required",
                                           decision="require_approval", problem={"code": "approval_required", "approval": approval, "task": task})
        error.message_id = params["message"]["messageId"]
        raise error
    if not is_message or version != "0.3" or not isinstance(result, dict):
        return result
    return {"task": result} if result.get("kind") == "task" else {"message": result} if result.get("kind") == "message" else result


def _rpc_error(error: dict, retry_after: str | None = None) -> GamutError:
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    rpc_code = error.get("code")
    code = data.get("code") if isinstance(data.get("code"), str) else f"jsonrpc_{rpc_code}"
    details = {"code": code, "decision": data.get("decision"), "explanation": data.get("explanation"),
               "request_id": data.get("request_id"), "problem": data}
    message = f"{error.get('message') or 'The A2A call was refused.'} ({code}, JSON-RPC {rpc_code})"
    typed: GamutError
    if rpc_code == -31000 and data.get("decision") in _BLOCKING:
        typed = GamutDeniedError(message, **details)
    elif rpc_code == -31000 and isinstance(data.get("approval"), dict):
        typed = GamutApprovalRequiredError(message, **details)
    elif rpc_code == -31000 and (data.get("status") == 429 or "rate_limit" in code or "budget" in code):
        # A refusal's data carries its HTTP status (429: a rate, run or budget limit); the wait is the answer's Retry-After.
        from .transport import retry_after_seconds
        typed = GamutRateLimitedError(message, **details)
        typed.retry_after_seconds = retry_after_seconds(retry_after)
    else:
        typed = GamutA2aError(message, **details)
        typed.data = error.get("data")
    typed.rpc_code = rpc_code  # type: ignore[attr-defined]
    return typed


def _message_params(text: str | None, skill: str | None, parts: list | None, data: Any, message_id: str | None, task_id: str | None,
                    context_id: str | None, metadata: Mapping[str, Any] | None, warrant: str | None, version: str) -> dict:
    v03 = version == "0.3"
    if parts is None:
        parts = []
        if text is not None:
            parts.append({"kind": "text", "text": text} if v03 else {"text": text})
        if data is not None:
            parts.append({"kind": "data", "data": data} if v03 else {"data": data})
    if not isinstance(parts, list) or not parts:
        raise GamutConfigurationError("An A2A message needs text, data or parts.")
    message: dict[str, Any] = {"messageId": message_id or str(uuid.uuid4()), "role": "user" if v03 else "ROLE_USER", "parts": parts}
    if v03:
        message = {"kind": "message", **message}
    if task_id is not None:
        message["taskId"] = task_id
    if context_id is not None:
        message["contextId"] = context_id
    meta = dict(metadata or {})
    if skill is not None:
        meta[SKILL_METADATA_KEY] = skill
    if warrant is not None:
        meta[A2A_WARRANT_METADATA_KEY] = warrant
    return {"message": message, "metadata": meta}


def _task_params(task_id: str) -> dict:
    if not isinstance(task_id, str) or not task_id:
        raise GamutConfigurationError("A task id is required.")
    return {"id": task_id}


def _version(version: str) -> str:
    if version not in _METHODS:
        raise GamutConfigurationError(f"A2A version {version!r} is not spoken here (1.0 or 0.3).")
    return version


def _route(connector: str) -> str:
    if not isinstance(connector, str) or not _CONNECTOR.fullmatch(connector):
        raise GamutConfigurationError(f"{connector!r} is not a connector name.")
    return f"/a2a/{connector}"


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
