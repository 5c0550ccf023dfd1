using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Connectors.Redaction;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using ModelContextProtocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// What an MCP server lists on <c>/mcp</c> (its tools' definitions, its prompts, resources and resource templates),
/// redacted as the server's own route <c>/providers/{server}</c> redacts the same listing: each item as the server served
/// it, written as JSON and passed through that route's redactor of a JSON answer (<see cref="JsonRedactor"/>: every
/// string value and member name, a card number written as a number), then read back; the credential the gateway sent
/// the server is redacted before, as its answer is read (<see cref="Gateway.Connectors.Credentials.ConnectorCredentialHandler"/>). The redactions are
/// counted per kind in <c>gateway.redactions</c> (<see cref="GatewayMetrics.CountRedactions"/>), as the provider route's are. An item whose
/// redacted form is no longer an item of its kind (a card number listed as a resource's size) cannot be passed on
/// inspected: the listing is refused, JSON-RPC <c>-31000</c> with <c>data.code</c> <c>response_uninspectable</c>, as the
/// provider route refuses an answer it cannot redact.
/// </summary>
internal static class McpListingRedaction
{
    /// <summary>
    /// <paramref name="served"/> redacted (the same instance when nothing in it matched), its redactions added to
    /// <paramref name="counts"/>; throws the listing's refusal when the redacted item is no longer one.
    /// </summary>
    public static T Redact<T>(T served, string server, RedactionCounts counts)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(counts);
        var type = (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
        var found = new RedactionCounts();
        var redacted = JsonRedactor.Redact(JsonSerializer.SerializeToUtf8Bytes(served, type), found);
        if (found.Total == 0)
        {
            return served;
        }

        T? clean;
        try
        {
            clean = JsonSerializer.Deserialize(redacted, type);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            clean = null;
        }

        if (clean is null)
        {
            throw Uninspectable(server);
        }

        counts.Add(found);
        return clean;
    }

    /// <summary>The listing's refusal: nothing of it is passed on.</summary>
    private static McpProtocolException Uninspectable(string server)
    {
        var refused = new McpProtocolException(
            $"What the MCP server '{server}' lists could not be passed on redacted (an item redacted is no longer an item of its kind); nothing of the listing was passed on.",
            (McpErrorCode)ProviderRefusalBody.JsonRpcRefusalCode);
        refused.Data["code"] = ProblemCodes.ResponseUninspectable;
        refused.Data["status"] = StatusCodes.Status502BadGateway;
        return refused;
    }
}
