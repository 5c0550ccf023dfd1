using System.Text.Json;

namespace Gamut.Agent;

/// <summary>What a message was answered with: the remote agent's task, or its message (0.3's <c>kind</c>-tagged result read the same way).</summary>
public sealed record A2aSendResult(JsonElement? Task, JsonElement? Message);
