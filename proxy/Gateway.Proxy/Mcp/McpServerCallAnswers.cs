using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Results;
using Gateway.Oversight.Agents;
using Gateway.Policy;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// What <c>/mcp</c> does with an MCP server's answer to a governed <c>completion/complete</c> or <c>resources/subscribe</c>,
/// once the call was decided (by the Decide stage, as the read it is about), recorded and carried out: run in Forward, as
/// the answer is read, before it goes back. A completion's values, redacted already, are narrowed to those whose read the
/// caller may make (<see cref="McpReadClearance.PermitsCompletedValue"/>: it can only withhold); a subscription the server
/// took is relayed to the client's session from then on (<see cref="McpResourceSubscriptions.SubscribedAsync"/>). A server's
/// error passes as it is.
/// </summary>
internal sealed class McpServerCallAnswers
{
    private readonly McpResourceSubscriptions _subscriptions;

    public McpServerCallAnswers(McpResourceSubscriptions subscriptions) => _subscriptions = subscriptions;

    /// <summary>
    /// What is done with the answer to <paramref name="method"/> (its params as <paramref name="server"/> receives them:
    /// <paramref name="serverParams"/>; as the client sent them: <paramref name="clientParams"/>) of <paramref name="caller"/>
    /// (stopped by <paramref name="switches"/>' kill switches; an interactive client's token of <paramref name="tokenFamily"/>) on <paramref name="sessionId"/>; null for a call whose answer
    /// passes as it is.
    /// </summary>
    public Func<ConnectorResult, CancellationToken, ValueTask<ConnectorResult>>? For(TenantPolicy tenant, McpCaller caller, AuthenticatedCaller who, KillSwitchCaller switches, string? tokenFamily,
        string? sessionId, string server, string method, JsonElement serverParams, JsonElement clientParams)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!tenant.TryGetCatalogEntry(server, out var entry) || entry is null)
        {
            return null;
        }

        return method switch
        {
            "completion/complete" when serverParams.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CompleteRequestParams))) is CompleteRequestParams asked =>
                (result, _) => ValueTask.FromResult(Narrowed(tenant, who, entry, asked, result)),
            "resources/subscribe" when sessionId is not null && UriOf(serverParams) is { } uri && UriOf(clientParams) is { } clientUri =>
                async (result, cancellationToken) => result.StatusCode is >= 200 and < 300
                    && !await _subscriptions.SubscribedAsync(tenant, caller, who, switches, tokenFamily, sessionId, entry, uri, clientUri, cancellationToken).ConfigureAwait(false)
                        ? NotRelayed(entry.Name)
                        : result,
            _ => null,
        };
    }

    /// <summary>The completion's values whose read the caller may make; its total only when none was withheld.</summary>
    private static ConnectorResult Narrowed(TenantPolicy tenant, AuthenticatedCaller who, CatalogEntry server, CompleteRequestParams asked, ConnectorResult result)
    {
        if (result.StatusCode is < 200 or >= 300 || JsonNode.Parse(result.Json.Span) is not JsonObject answer
            || answer["completion"] is not JsonObject completion || completion["values"] is not JsonArray values)
        {
            return result;
        }

        var kept = new JsonArray();
        foreach (var value in values)
        {
            if (value is JsonValue text && text.TryGetValue<string>(out var completed) && McpReadClearance.PermitsCompletedValue(tenant, who, server, asked.Ref, asked, completed))
            {
                kept.Add(completed);
            }
        }

        if (kept.Count != values.Count)
        {
            completion.Remove("total");
        }

        completion["values"] = kept;
        return result with { Json = Utf8Of(answer) };
    }

    private static string? UriOf(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("uri"u8, out var uri) && uri.ValueKind == JsonValueKind.String ? uri.GetString() : null;

    /// <summary>The server took the subscription but the gateway cannot hear it (the server cannot be reached now): a JSON-RPC internal error.</summary>
    private static ConnectorResult NotRelayed(string server) => new()
    {
        StatusCode = StatusCodes.Status502BadGateway,
        Json = Utf8Of(new JsonObject
        {
            ["code"] = (int)McpErrorCode.InternalError,
            ["message"] = $"The MCP server '{server}' took the subscription, but the gateway cannot hear its updates now; subscribe again.",
        }),
    };

    private static byte[] Utf8Of(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
