using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Executors;

/// <summary>
/// Executes <see cref="ConnectorKind.McpTool"/> connectors: a JSON-RPC 2.0 <c>tools/call</c> over MCP
/// streamable HTTP (POST with <c>Accept: application/json, text/event-stream</c>), the reply read as JSON
/// or as an SSE stream. The session is initialized first (<c>initialize</c>, then
/// <c>notifications/initialized</c>), its <c>Mcp-Session-Id</c> kept per tenant and server and sent on
/// every call; an expired session (404) is re-initialized once. The MCP server's upstream and credential
/// come from the <see cref="ConnectorKind.Mcp"/> connector named by <see cref="McpToolBinding.Connector"/>.
/// The result is the JSON-RPC <c>result</c> (status 200) or <c>error</c> (status 502).
/// </summary>
public sealed class McpToolExecutor : IConnectorExecutor
{
    /// <summary>The MCP protocol version offered in <c>initialize</c>.</summary>
    public const string ProtocolVersion = "2025-06-18";

    /// <summary>The session header.</summary>
    public const string SessionHeader = "Mcp-Session-Id";

    private readonly UpstreamClient _upstream;
    private readonly IConnectorCatalog? _catalog;
    private readonly ConcurrentDictionary<(string Tenant, string Server), Session> _sessions = new();
    private long _nextId;

    public McpToolExecutor(HttpMessageInvoker invoker, CredentialResolver resolver, IConnectorCatalog? catalog = null, TimeProvider? timeProvider = null)
    {
        _upstream = new UpstreamClient(invoker, resolver, timeProvider);
        _catalog = catalog;
    }

    /// <inheritdoc/>
    public async ValueTask<ConnectorResult> ExecuteAsync(ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(call);
        var binding = connector.McpTool ?? throw new ConnectorArgumentException($"connector '{connector.Name}' has no mcp_tool binding.");
        ReadOnlyGuard.Enforce(connector, call, "POST");
        var server = ResolveServer(connector, binding);
        var arguments = call.Args.ValueKind is JsonValueKind.Object ? call.Args : default;

        return await _upstream.WithTimeoutAsync(connector, async token =>
        {
            var key = (call.Tenant, server.Name + "|" + UpstreamClient.RequireUpstream(server).AbsoluteUri);
            for (var attempt = 0; ; attempt++)
            {
                var session = _sessions.TryGetValue(key, out var cached) ? cached : await InitializeAsync(server, connector, call, token).ConfigureAwait(false);
                _sessions[key] = session;
                var id = Interlocked.Increment(ref _nextId);
                var message = new JsonObject
                {
                    ["jsonrpc"] = "2.0",
                    ["id"] = id,
                    ["method"] = "tools/call",
                    ["params"] = new JsonObject
                    {
                        ["name"] = binding.ToolName,
                        ["arguments"] = arguments.ValueKind == JsonValueKind.Object ? JsonNode.Parse(arguments.GetRawText()) : new JsonObject(),
                    },
                };
                using var response = await PostAsync(server, connector, call, message, session.Id, token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound && session.Id is not null && attempt == 0)
                {
                    _sessions.TryRemove(key, out _);
                    continue;
                }

                var reply = await ReadReplyAsync(response, connector, id, token).ConfigureAwait(false);
                return ToResult(response, reply, call);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets every cached session (e.g. after a catalog reload).</summary>
    public void ResetSessions() => _sessions.Clear();

    private static ConnectorResult ToResult(HttpResponseMessage response, JsonElement? reply, ConnectorCall call)
    {
        if (!response.IsSuccessStatusCode || reply is null)
        {
            return new ConnectorResult { StatusCode = response.IsSuccessStatusCode ? 502 : (int)response.StatusCode, ContentType = "application/json" };
        }

        var counts = new RedactionCounts();
        var isError = reply.Value.TryGetProperty("error", out var error);
        var payload = isError ? error : reply.Value.TryGetProperty("result", out var result) ? result : default;
        if (payload.ValueKind == JsonValueKind.Undefined)
        {
            return new ConnectorResult { StatusCode = 502, ContentType = "application/json" };
        }

        if (call.ShouldRedact)
        {
            payload = JsonRedactor.Redact(payload, counts);
        }

        return new ConnectorResult { StatusCode = isError ? 502 : 200, ContentType = "application/json", Json = payload.Clone(), Redactions = counts };
    }

    private static async ValueTask<JsonElement?> ReadReplyAsync(HttpResponseMessage response, ConnectorDefinition connector, long id, CancellationToken cancellationToken)
    {
        var body = await UpstreamClient.ReadBodyAsync(response, connector, connector.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var idText = id.ToString(CultureInfo.InvariantCulture);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            foreach (var data in SseData(Encoding.UTF8.GetString(body)))
            {
                if (MatchReply(data, idText) is { } match)
                {
                    return match;
                }
            }

            return null;
        }

        return MatchReply(Encoding.UTF8.GetString(body), idText);
    }

    private static JsonElement? MatchReply(string json, string id)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var candidates = document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray()] : new[] { document.RootElement };
            foreach (var candidate in candidates)
            {
                if (candidate.ValueKind == JsonValueKind.Object && candidate.TryGetProperty("id", out var replyId) && replyId.GetRawText().Trim('"') == id
                    && (candidate.TryGetProperty("result", out _) || candidate.TryGetProperty("error", out _)))
                {
                    return candidate.Clone();
                }
            }
        }
        catch (JsonException)
        {
            // Not a JSON-RPC message (a comment or keep-alive event).
        }

        return null;
    }

    private static IEnumerable<string> SseData(string stream)
    {
        var data = new List<string>();
        foreach (var raw in stream.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    yield return string.Join('\n', data);
                    data.Clear();
                }
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line.Length > 5 && line[5] == ' ' ? line[6..] : line[5..]);
            }
        }

        if (data.Count > 0)
        {
            yield return string.Join('\n', data);
        }
    }

    private ConnectorDefinition ResolveServer(ConnectorDefinition connector, McpToolBinding binding)
    {
        if (_catalog?.Find(binding.Connector) is { } server)
        {
            return server;
        }

        if (connector.Upstream is not null)
        {
            return connector;
        }

        throw new ConnectorArgumentException($"MCP connector '{binding.Connector}' of tool '{connector.Name}' is not in the catalog.");
    }

    private async ValueTask<Session> InitializeAsync(ConnectorDefinition server, ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var initialize = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = ProtocolVersion,
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "gamut-gateway", ["version"] = "1.0" },
            },
        };
        string? sessionId;
        using (var response = await PostAsync(server, connector, call, initialize, null, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"MCP server of connector '{connector.Name}' refused initialize with {(int)response.StatusCode}.", null, response.StatusCode);
            }

            sessionId = response.Headers.TryGetValues(SessionHeader, out var values) ? values.FirstOrDefault() : null;
            _ = await ReadReplyAsync(response, connector, id, cancellationToken).ConfigureAwait(false);
        }

        var initialized = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" };
        using (var response = await PostAsync(server, connector, call, initialized, sessionId, cancellationToken).ConfigureAwait(false))
        {
            // 202 Accepted is expected; a server that ignores notifications is tolerated.
        }

        return new Session(sessionId);
    }

    private async Task<HttpResponseMessage> PostAsync(ConnectorDefinition server, ConnectorDefinition connector, ConnectorCall call, JsonObject message, string? sessionId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, UpstreamClient.RequireUpstream(server))
        {
            Content = UpstreamClient.JsonContent(Encoding.UTF8.GetBytes(message.ToJsonString())),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", ProtocolVersion);
        if (sessionId is not null)
        {
            request.Headers.TryAddWithoutValidation(SessionHeader, sessionId);
        }

        await _upstream.PrepareAsync(request, server with { Name = connector.Name }, call, cancellationToken).ConfigureAwait(false);
        return await _upstream.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private sealed record Session(string? Id);
}
