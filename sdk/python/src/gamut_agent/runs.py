"""Runs (docs/runs.md): one task, many steps. A run is started at the gateway (``POST /v1/runs``), every action in it
carries its id in ``X-Gamut-Run`` (covered by the signature), its lifecycle events are recorded in order
(``POST /v1/runs/{id}/events``), and it ends completed, failed or cancelled.

``with gamut.run(framework=..., purpose=...) as run:`` (or ``async with``) starts a run, makes every call of ``gamut``
(and of its views, such as ``for_person``) in the block carry it — in this thread or task only, through a context
variable — and ends it: ``completed`` when the block ends normally, ``failed`` when it ends by an exception. ``run.client``
is a client bound to the run explicitly, for code outside the block's context (another thread)."""

from __future__ import annotations

import asyncio
import re
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Mapping

from .errors import GamutConfigurationError, GamutError, GamutIdentityMismatchError, GamutProtocolError, GamutRunCancelledError, GamutRunEndedError

if TYPE_CHECKING:
    from .client import GamutClient

#: A run id as the gateway mints it: ``run-`` and 32 lowercase hex characters.
RUN_ID = re.compile(r"run-[0-9a-f]{32}")

#: The lifecycle events an agent may record; the last three end the run.
RUN_EVENTS = ("started", "step", "completed", "failed", "cancelled")
_ENDINGS = frozenset(RUN_EVENTS[2:])

# The run of the block being executed, with the agent it belongs to ((base URL, tenant, agent id)): a client of another
# agent in the same block (a delegated child, say) does not carry it.
_AMBIENT: ContextVar[tuple[tuple[str, str, str], str] | None] = ContextVar("gamut_run", default=None)


def check_run_id(run_id: object) -> str:
    """``run_id`` when it is a run id, else GamutConfigurationError."""
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        raise GamutConfigurationError("A run id is 'run-' followed by 32 lowercase hex characters (as POST /v1/runs answers).")
    return run_id


def ambient_run(owner: tuple[str, str, str]) -> str | None:
    """The run of the enclosing ``with gamut.run(...)`` block when it belongs to the agent ``owner`` names."""
    current = _AMBIENT.get()
    return current[1] if current is not None and current[0] == owner else None


class GamutRun:
    """One run of an agent: :meth:`start` it (or enter it with ``with``/``async with``), record :meth:`step` and other
    :meth:`event` s, and end it with :meth:`complete`, :meth:`fail` or :meth:`cancel` (leaving the block does so)."""

    def __init__(self, client: "GamutClient", *, framework: str | None = None, purpose: str | None = None,
                 parent_run: str | None = None, timeout: float | None = None) -> None:
        self._starter = client
        self._body: dict[str, Any] = {k: v for k, v in (("framework", framework), ("purpose", purpose)) if v is not None}
        if parent_run is not None:
            self._body["parent_run"] = check_run_id(parent_run)
        self._timeout = timeout
        self._client: GamutClient | None = None
        self._info: dict[str, Any] | None = None
        self._ended: str | None = None
        self._scopes: list[Token] = []

    def __repr__(self) -> str:
        return f"GamutRun({self.id or 'not started'}, {self._ended or ('active' if self._info else 'new')})"

    @property
    def id(self) -> str | None:
        """The run id (``run-…``), once started."""
        return None if self._info is None else self._info["run_id"]

    @property
    def info(self) -> dict[str, Any]:
        """The gateway's answer to the start: ``run_id``, ``agent``, ``created_at``, ``trace_id``, ``parent_run``, …"""
        return dict(self._started()[0])

    @property
    def client(self) -> "GamutClient":
        """A client bound to this run: every call it makes (and its provider-native signing) carries the run."""
        return self._started()[1]

    @property
    def ended(self) -> str | None:
        """How the run ended as far as this agent knows (``completed``, ``failed``, ``cancelled``), or None."""
        return self._ended

    def start(self) -> "GamutRun":
        """``POST /v1/runs``. Started inside another run of the same agent (a ``with`` block, a run-bound client), the
        new run is a sub-run of it. Raises on any refusal (a suspended agent, a foreign parent run, ...)."""
        if self._info is not None:
            raise GamutConfigurationError(f"The run {self.id} is already started.")
        answer = self._starter._request("POST", "/v1/runs", self._body, self._timeout)
        run_id = answer.get("run_id")
        if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
            raise GamutProtocolError("The gateway answered the run's start without a run id.")
        config = self._starter.config
        if answer.get("tenant", config.tenant) != config.tenant or config.agent_id not in (answer.get("agent"), answer.get("started_by")):
            raise GamutIdentityMismatchError(f"The run names agent {answer.get('agent')!r} of tenant {answer.get('tenant')!r}, not this agent.",
                                             code="identity_mismatch")
        self._info = answer
        self._client = self._starter.in_run(run_id)
        return self

    def event(self, type: str, name: str | None = None, detail: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> dict:
        """``POST /v1/runs/{id}/events``: one lifecycle event (``started``, ``step``, ``completed``, ``failed``,
        ``cancelled``), recorded in order in the audit journal; the last three end the run. An ending refused because an
        operator cancelled the run first is acknowledged (``cancelled``) and raises GamutRunCancelledError."""
        if type not in RUN_EVENTS:
            raise GamutConfigurationError(f"A run event is one of {', '.join(RUN_EVENTS)}.")
        body: dict[str, Any] = {"type": type}
        if name is not None:
            body["name"] = name
        if detail is not None:
            body["detail"] = dict(detail)
        client = self.client
        try:
            answer = client._request("POST", f"/v1/runs/{self.id}/events", body, timeout)
        except GamutRunCancelledError:
            if type != "cancelled":
                self._acknowledge_cancel()
            raise
        except GamutRunEndedError:
            self._ended = self._ended or "ended"
            raise
        if type in _ENDINGS:
            self._ended = type
        return answer

    def step(self, name: str, detail: Mapping[str, Any] | None = None) -> dict:
        """A ``step`` event: one named step of the task, with an optional detail object."""
        return self.event("step", name, detail)

    def complete(self, detail: Mapping[str, Any] | None = None) -> dict:
        """Ends the run ``completed``."""
        return self.event("completed", None, detail)

    def fail(self, detail: Mapping[str, Any] | None = None) -> dict:
        """Ends the run ``failed``."""
        return self.event("failed", None, detail)

    def cancel(self, detail: Mapping[str, Any] | None = None) -> dict:
        """Ends the run ``cancelled`` (by the agent itself)."""
        return self.event("cancelled", None, detail)

    # The block: enter starts (when not started) and makes the starting client carry the run; leaving ends it.

    def __enter__(self) -> "GamutRun":
        if self._info is None:
            self.start()
        self._scopes.append(_AMBIENT.set((run_owner(self._starter), self.id)))
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        _AMBIENT.reset(self._scopes.pop())
        self._finish(exc)
        return False

    async def __aenter__(self) -> "GamutRun":
        if self._info is None:
            await asyncio.to_thread(self.start)
        self._scopes.append(_AMBIENT.set((run_owner(self._starter), self.id)))
        return self

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        _AMBIENT.reset(self._scopes.pop())
        await asyncio.to_thread(self._finish, exc)
        return False

    def _finish(self, error: BaseException | None) -> None:
        """Ends the run as the block ended, unless it has ended already: completed, or failed with the exception's type
        (and code); a block ended by the run's cancellation acknowledges it instead. Ending a block that raised never
        replaces its exception: a refused ending is noted on it."""
        if self._ended is not None:
            return
        if error is None:
            self.complete()
            return
        if isinstance(error, GamutRunCancelledError):
            self._acknowledge_cancel()
            return
        if isinstance(error, GamutRunEndedError):
            self._ended = "ended"
            return
        detail = {"error": type(error).__name__, **({"code": error.code} if isinstance(error, GamutError) else {})}
        try:
            self.fail(detail)
        except GamutError as refused:
            error.add_note(f"The run {self.id} could not be recorded as failed: {refused.code}.")

    def _acknowledge_cancel(self) -> None:
        self._ended = "cancelled"
        try:
            self.client._request("POST", f"/v1/runs/{self.id}/events", {"type": "cancelled"}, self._timeout)
        except GamutError:
            pass  # the cancellation stands either way; the acknowledgement only records that the agent saw it

    def _started(self) -> tuple[dict[str, Any], "GamutClient"]:
        if self._info is None or self._client is None:
            raise GamutConfigurationError("The run is not started: use 'with gamut.run(...)' or gamut.start_run(...).")
        return self._info, self._client


def run_owner(client: "GamutClient") -> tuple[str, str, str]:
    """Whose runs a client carries: the agent (base URL, tenant, agent id) it signs as."""
    config = client.config
    return config.base_url, config.tenant, config.agent_id
