"""A tiny A2A agent (JSON-RPC, both wire versions) inside the suite's upstream: its card at
/.well-known/agent-card.json (skills summarize, translate, wire) and its endpoint at /a2a. A message gets a completed
task echoing its text; a streamed one three events; tasks are read and cancelled. The gateway's bundle names it
``helper`` (sdk/testing/gateway.sh)."""

from __future__ import annotations

import itertools
import json
import threading

_tasks: dict[str, str] = {}
_count = itertools.count(1)
_lock = threading.Lock()


def card(origin: str) -> dict:
    def skill(name: str) -> dict:
        return {"id": name, "name": name, "description": f"{name} a text", "tags": [name]}
    return {"name": "Helper", "description": "A helper agent", "version": "1.0.0", "protocolVersion": "1.0", "url": f"{origin}/a2a",
            "supportedInterfaces": [{"url": f"{origin}/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            "capabilities": {"streaming": True, "pushNotifications": False},
            "defaultInputModes": ["text/plain"], "defaultOutputModes": ["text/plain"],
            "skills": [skill("summarize"), skill("translate"), skill("wire")]}


def reply(request: dict) -> tuple[str, bytes]:
    """``(content type, body)`` of the answer to one JSON-RPC request."""
    rid, method, params = request.get("id"), request.get("method", ""), request.get("params") or {}
    v03 = "/" in method
    text = "".join(p.get("text", "") for p in ((params.get("message") or {}).get("parts") or []))

    def result(value) -> tuple[str, bytes]:
        return "application/json", json.dumps({"jsonrpc": "2.0", "id": rid, "result": value}).encode()

    if method in ("SendMessage", "message/send", "SendStreamingMessage", "message/stream"):
        with _lock:
            task_id = f"task-{next(_count)}"
            _tasks[task_id] = "completed"
        if "Stream" in method or method.endswith("stream"):
            events = [{"statusUpdate": {"taskId": task_id, "contextId": "ctx-1", "status": {"state": "TASK_STATE_WORKING"}}},
                      {"artifactUpdate": {"taskId": task_id, "artifact": {"artifactId": "a-1", "parts": [{"text": f"done: {text}"}]}}},
                      {"statusUpdate": {"taskId": task_id, "contextId": "ctx-1", "status": {"state": "TASK_STATE_COMPLETED"}, "final": True}}]
            return "text/event-stream", "".join(f"data: {json.dumps({'jsonrpc': '2.0', 'id': rid, 'result': e})}\n\n" for e in events).encode()
        task = {"id": task_id, "contextId": params["message"].get("contextId", "ctx-1"),
                "status": {"state": "completed" if v03 else "TASK_STATE_COMPLETED"},
                "artifacts": [{"artifactId": "a-1", "parts": [{"text": f"done: {text}"}]}]}
        return result({"kind": "task", **task} if v03 else {"task": task})
    if method in ("GetTask", "tasks/get"):
        return result({"id": params["id"], "status": {"state": _tasks.get(params["id"], "unknown")}})
    if method in ("ListTasks", "tasks/list"):  # with a task nobody opened through the gateway, which it must leave out
        listed = [{"id": t, "status": {"state": s}} for t, s in list(_tasks.items())] + [{"id": "task-foreign", "status": {"state": "completed"}}]
        return result({"tasks": listed, "totalSize": len(listed), "nextPageToken": ""})
    if method in ("CancelTask", "tasks/cancel"):
        _tasks[params["id"]] = "canceled"
        return result({"id": params["id"], "status": {"state": "canceled" if v03 else "TASK_STATE_CANCELED"}})
    return "application/json", json.dumps({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no such method"}}).encode()
