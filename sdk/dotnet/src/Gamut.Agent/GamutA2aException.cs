using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// An A2A call (<c>/a2a/{connector}</c>) answered with a JSON-RPC error that is not a decision of policy:
/// <see cref="GamutException.RpcCode"/> is the JSON-RPC code (-32602 invalid params, -32001 task not found, -32004
/// unsupported operation, or the remote agent's own), <see cref="GamutException.Code"/> the gateway's stable code from
/// <c>error.data.code</c> (<c>a2a_unknown_skill</c>, <c>a2a_task_not_found</c>, …).
/// </summary>
public sealed class GamutA2aException(string message, string code, string? decision, JsonElement? explanation, string? requestId, JsonElement? data)
    : GamutException(message, code, null, decision, explanation, requestId, data);
