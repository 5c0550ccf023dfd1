"""A minimal governed agent (Python): python3 examples/agents/python/agent.py (after `make run`)."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
try:
    import gamut_agent  # installed with `pip install ./sdk/python`
except ImportError:
    sys.path.insert(0, str(ROOT / "sdk" / "python" / "src"))

import datetime  # noqa: E402

from gamut_agent import GamutClient, GamutDeniedError, GamutRateLimitedError, WaitForApproval, explain_refusal  # noqa: E402


def environment() -> dict:
    """The five GAMUT_* values; for the demo, the file `make run` writes (GATEWAY_DEMO_ENV, default
    .gateway-data/demo.env) when they are not set."""
    if os.environ.get("GAMUT_BASE_URL"):
        return dict(os.environ)
    file = Path(os.environ.get("GATEWAY_DEMO_ENV") or ROOT / ".gateway-data" / "demo.env")
    demo = dict(line.split("=", 1) for line in file.read_text().splitlines()
                if line.startswith("GAMUT_") and "=" in line)
    return {**os.environ, **demo}


gamut = GamutClient.from_env(environment())


def limit_refused(kind, error, trace):
    """A limit that refuses (a rate limit, a token budget) ends the agent with when it resets, not a traceback."""
    if not isinstance(error, GamutRateLimitedError):
        return sys.__excepthook__(kind, error, trace)
    wait = error.retry_after_seconds
    at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=wait or 0)
    resets = "when its window resets" if wait is None else f"in {wait:g} s (at {at:%Y-%m-%dT%H:%M:%SZ})"
    print(f"refused: {error.code}: {error}\n  it resets {resets}; to reset the demo now: stop make run, then make demo-reset",
          file=sys.stderr)
    sys.exit(3)


sys.excepthook = limit_refused

# 1. Read a contact: allowed; the gateway injects the CRM credential.
contact = gamut.invoke_tool("crm.read_contact", {"id": "42"})
print(f"1. contact 42 ({contact.decision}): {json.dumps(contact.result)}")

# 2. A shell command: refused, and the explanation says why.
try:
    gamut.invoke_tool("shell.exec", {"cmd": "rm -rf /"})
    raise SystemExit("the gateway let a shell command through")
except GamutDeniedError as refusal:
    print("2. shell.exec refused:\n" + explain_refusal(refusal))

# 3. A refund: held for alice or bob; wait on the approval, then retry once with the warrant.
announced = []


def on_pending(approval: dict) -> None:
    if not announced:
        announced.append(approval["id"])
        print(f"3. refund held for approval {approval['id']} by {' or '.join(approval['approvers'])}; approve it with:")
        print(f"   GATEWAY_ADMIN_TOKEN=$BOB gatewayctl approvals approve {approval['id']} --tenant demo", flush=True)


refund = gamut.invoke_tool("payments.refund", {"order": "A-1001", "amount": 25},
                           wait_for_approval=WaitForApproval(deadline=600, on_pending=on_pending))
print(f"   approved and done ({refund.decision}): {json.dumps(refund.result)}")
