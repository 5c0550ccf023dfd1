using System.Text.Json;

namespace Gateway.Proxy.Mcp;

/// <summary>What the state store keeps of an MCP session: its agent and the client's initialize parameters.</summary>
internal sealed record SessionRecord(string Agent, JsonElement Initialize);
