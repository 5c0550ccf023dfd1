using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>context</c>: a context provider, fetched with <c>GET ?scope=&amp;query=</c> and cut to the
/// agent's <c>max_bytes</c>. Its transparent route accepts only GET (and HEAD) of the upstream itself.
/// </summary>
public sealed class ContextConnectorType : ConnectorType
{
    internal ContextConnectorType()
        : base(ConnectorKind.Context)
    {
    }

    /// <inheritdoc/>
    public override bool IsContextScope => true;

    /// <summary>GET or HEAD of the upstream itself; neither writes.</summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) =>
        segments.Count == 0 && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) ? new ProviderOperation(connector, Writes: false, []) : null;

    /// <summary><c>GET ?scope=&amp;query=</c> from the request <c>{"scope", "query", "max_bytes"}</c>, <c>max_bytes</c> as the result's limit.</summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a context request is a JSON object {\"scope\", \"query\", \"max_bytes\"}.");
        }

        var scope = args.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : string.Empty;
        var query = args.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : string.Empty;
        long? limit = null;
        if (args.TryGetProperty("max_bytes", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt64(out var requested) || requested <= 0)
            {
                throw new ConnectorArgumentException("max_bytes must be a positive integer.");
            }

            limit = requested;
        }

        return new UpstreamEnvelope
        {
            Method = "GET",
            Query = string.Create(CultureInfo.InvariantCulture, $"scope={Uri.EscapeDataString(scope)}&query={Uri.EscapeDataString(query)}"),
            ResultLimit = limit,
        };
    }
}
