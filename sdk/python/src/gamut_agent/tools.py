"""Framework-shaped wrappers over ``invoke_tool``: a decorator and a callable factory producing plain
Python functions (a name, a docstring, typed parameters, ``str`` result): the shape LangGraph's and
CrewAI's tool helpers accept. NOT tested against LangGraph or CrewAI (neither is obtainable here); tested
against the real gateway. A refusal comes back as its explanation, so the model sees why; failures of the
path itself (authentication, timeout, identity) raise and stop the run. ``governed_run`` wraps an agent's entry point
so that each invocation is one run at the gateway, which its governed tools carry."""

from __future__ import annotations

import functools
import inspect
import json
from typing import TYPE_CHECKING, Any, Callable

from .client import WaitForApproval
from .errors import (
    GamutApprovalDeniedError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
    GamutConfigurationError, GamutDeniedError, GamutError, GamutNotInvokedError, GamutSecretMaterialError,
)

if TYPE_CHECKING:
    from .client import GamutClient

_REFUSALS = (GamutDeniedError, GamutApprovalRequiredError, GamutApprovalDeniedError, GamutApprovalExpiredError,
             GamutApprovalTimeoutError, GamutNotInvokedError, GamutSecretMaterialError)


def is_refusal(error: BaseException) -> bool:
    """True when the error is a governance refusal (the model may read why and change course)."""
    return isinstance(error, _REFUSALS)


def explain_refusal(error: GamutError) -> str:
    """One plain-text explanation of a refusal, for a tool result the model reads."""
    lines = [f"REFUSED by the gateway ({error.decision or error.code}): {error.message}"]
    for control in (error.explanation or {}).get("decision_path") or []:
        if control.get("outcome") == "fail":
            lines.append(f"- {control.get('control')}: {control.get('missing_evidence') or 'failed'}")
    lines.extend(f"- to change this: {remedy}" for remedy in error.remedies)
    approval = getattr(error, "approval", None)
    if approval and approval.get("id"):
        lines.append(f"- approval request: {approval['id']}")
    return "\n".join(lines)


def _run(client: "GamutClient", tool: str, args: dict[str, Any], wait: WaitForApproval | bool | None) -> str:
    try:
        action = client.invoke_tool(tool, args, wait_for_approval=wait)
    except GamutError as error:
        if is_refusal(error):
            return explain_refusal(error)
        raise
    return action.result if isinstance(action.result, str) else json.dumps(action.result)


def governed_tool(client: "GamutClient", tool: str, *, wait_for_approval: WaitForApproval | bool | None = None,
                  **other: Any) -> Callable[[Callable[..., Any]], Callable[..., str]]:
    """Decorates a stub whose signature and docstring describe the tool; calling it invokes ``tool`` through
    the gateway with the bound arguments (the stub's body never runs)."""
    if other:
        raise GamutConfigurationError(f"governed_tool: option(s) {sorted(other)} not accepted (no provider key, tool credential or base URL).")

    def decorate(stub: Callable[..., Any]) -> Callable[..., str]:
        signature = inspect.signature(stub)

        @functools.wraps(stub)
        def call(*args: Any, **kwargs: Any) -> str:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return _run(client, tool, dict(bound.arguments), wait_for_approval)

        call.__annotations__ = {**stub.__annotations__, "return": str}
        call.gamut_tool = tool  # type: ignore[attr-defined]
        return call

    return decorate


def tool_callable(client: "GamutClient", tool: str, *, name: str | None = None, description: str | None = None,
                  wait_for_approval: WaitForApproval | bool | None = None, **other: Any) -> Callable[..., str]:
    """A callable ``(**arguments) -> str`` invoking ``tool`` through the gateway, named and documented for a framework."""
    if other:
        raise GamutConfigurationError(f"tool_callable: option(s) {sorted(other)} not accepted (no provider key, tool credential or base URL).")

    def call(**arguments: Any) -> str:
        return _run(client, tool, arguments, wait_for_approval)

    call.__name__ = call.__qualname__ = name or tool.replace(".", "_").replace("-", "_")
    call.__doc__ = description or f"Governed tool {tool} (through the gateway)."
    call.gamut_tool = tool  # type: ignore[attr-defined]
    return call


def governed_run(client: "GamutClient", *, framework: str | None = None, purpose: str | None = None,
                 **other: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorates an agent's entry point (a function or coroutine function: the graph's ``invoke``, a crew's
    ``kickoff``...) so that each call is one run at the gateway: started before the body, carried by every call of
    ``client`` in it (the tools of :func:`governed_tool` and :func:`tool_callable` included), and ended with the
    call's outcome, ``completed`` or ``failed``. ``purpose`` defaults to the function's name."""
    if other:
        raise GamutConfigurationError(f"governed_run: option(s) {sorted(other)} not accepted (no provider key, tool credential or base URL).")

    def decorate(entry: Callable[..., Any]) -> Callable[..., Any]:
        scope = functools.partial(client.run, framework=framework, purpose=purpose or entry.__name__)
        if inspect.iscoroutinefunction(entry):
            @functools.wraps(entry)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with scope():
                    return await entry(*args, **kwargs)

            return run_async

        @functools.wraps(entry)
        def run(*args: Any, **kwargs: Any) -> Any:
            with scope():
                return entry(*args, **kwargs)

        return run

    return decorate
