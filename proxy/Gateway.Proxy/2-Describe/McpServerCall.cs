using System.Text.Json;

namespace Gateway.Proxy.Describe;

/// <summary>A prompt or resource request on <c>/mcp</c> as its MCP server receives it: the method and its params (with the server's own names).</summary>
internal sealed record McpServerCall(string Method, JsonElement Params);
