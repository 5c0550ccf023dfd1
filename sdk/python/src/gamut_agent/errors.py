"""One typed error per way a governed call fails closed. Each means the action did not proceed (or, for
:class:`GamutUpstreamError`, that its upstream failed): a stop, never a warning to log and continue past."""

from __future__ import annotations

from typing import Any


class GamutError(Exception):
    """The base of every SDK error. ``code`` is the gateway's stable problem code where there is one."""

    def __init__(self, message: str, *, code: str = "gamut_error", status: int | None = None, decision: str | None = None,
                 explanation: dict | None = None, request_id: str | None = None, problem: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.decision = decision
        self.explanation = explanation
        self.request_id = request_id
        self.problem = problem

    @property
    def remedies(self) -> list[str]:
        """The explanation's ``what_would_change``, for showing a person or a model why."""
        return list((self.explanation or {}).get("what_would_change") or [])


class GamutConfigurationError(GamutError):
    """Configuration other than the five GAMUT_* values, or provider configuration, at construction."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="configuration_refused")


class GamutSecretMaterialError(GamutError):
    """Secret material or provider configuration in a payload, refused before anything was sent."""

    def __init__(self, findings: list[dict[str, str]]) -> None:
        where = ", ".join(f"{f['path']} ({f['kind']})" for f in findings)
        super().__init__(f"Refused before sending: secret material or provider configuration at {where}.", code="secret_material_in_payload")
        self.findings = findings


class GamutHttpError(GamutError):
    """The gateway answered with a non-2xx status (the subclasses name the common cases); ``retry_after_seconds`` from
    the answer's Retry-After on any status, None when it names none."""

    retry_after_seconds: float | None = None


class GamutAuthenticationError(GamutHttpError):
    """401: a stale, wrong or revoked credential, or a replayed or expired signature."""


class GamutDeniedError(GamutHttpError):
    """A denial: block or block_and_open_incident (403), or any decision that does not allow."""


class GamutApprovalRequiredError(GamutHttpError):
    """409: a named human must approve; ``approval`` is ``{"id", "url"}``."""

    @property
    def approval(self) -> dict[str, Any] | None:
        return (self.problem or {}).get("approval")


class GamutRateLimitedError(GamutHttpError):
    """429: a rate limit or budget is exhausted; ``retry_after_seconds`` from Retry-After."""


class GamutNotInvokedError(GamutError):
    """200 but ``invoked: false``: the connector was not called."""


class GamutUpstreamError(GamutError):
    """The connector ran and its upstream answered a non-2xx status (``upstream_status``)."""

    upstream_status: int | None = None
    result: Any = None


class GamutTimeoutError(GamutError, TimeoutError):
    """No answer within the timeout. The call is not retried: the action may or may not have run."""


class GamutIdentityMismatchError(GamutError):
    """A token or answer naming another tenant, agent, tool or approval than the one asked about."""


class GamutProtocolError(GamutError):
    """An answer that is not the protocol's (unparseable, or missing required members)."""


class GamutApprovalDeniedError(GamutError):
    """The approval was denied by its approvers."""


class GamutApprovalExpiredError(GamutError):
    """The approval request expired before it was approved."""


class GamutApprovalTimeoutError(GamutError):
    """The caller's deadline passed while the approval was still pending."""


class GamutRunEndedError(GamutHttpError):
    """409 ``run_ended``: the run this request belongs to has ended (completed or failed); nothing more may be done in
    it. ``run_id`` names the run, ``run_status`` how it ended, ``ended_by`` who ended it when the problem names it (this gateway records that in the run's story and never answers it)."""

    @property
    def run_id(self) -> str | None:
        return (self.problem or {}).get("run_id")

    @property
    def run_status(self) -> str | None:
        return (self.problem or {}).get("run_status")

    @property
    def ended_by(self) -> str | None:
        return (self.problem or {}).get("ended_by")


class GamutRunCancelledError(GamutRunEndedError):
    """409 ``run_cancelled``: an operator (or the agent) cancelled the run; the action was refused and nothing more may be
    done in it. ``run_id`` names the run; ``cancelled_by`` who cancelled it (``admin:<name>``, ``agent:<id>``)
    when the problem names it."""

    @property
    def cancelled_by(self) -> str | None:
        return self.ended_by


class GamutA2aError(GamutError):
    """An A2A call (``/a2a/{connector}``) answered with a JSON-RPC error that is not a decision of policy: ``rpc_code``
    is the JSON-RPC code (-32602 invalid params, -32001 task not found, -32004 unsupported operation, or the remote
    agent's own), ``code`` the gateway's stable code from ``error.data.code`` (``a2a_unknown_skill``, ...)."""

    rpc_code: int | None = None
    data: Any = None


class GamutCardSignatureError(GamutError):
    """The agent card the gateway served carries no signature of the gateway's that verifies (code
    ``a2a_card_signature_invalid``); ``reason`` says why: ``missing``, ``unknown_key``, ``bad_signature``, ``malformed``,
    ``unsupported_algorithm`` or ``wrong_type``. The card is not returned."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, code="a2a_card_signature_invalid")
        self.reason = reason
