using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// The operation table of each connector kind: method + path (relative to the connector's upstream)
/// → the operation policy decides on. Model APIs declare their endpoints; an HTTP connector's table is
/// every HTTP catalog entry on the same upstream (its method and path template), so a write path
/// reached through a read connector is decided as the write tool it is, and a path nothing declares
/// is refused. MCP, webhook and context connectors accept only their own endpoint.
/// </summary>
public static class ProviderOperations
{
    private static readonly (string Method, string[] Path)[] OpenAIOperations =
    [
        ("POST", ["chat", "completions"]), ("POST", ["completions"]), ("POST", ["responses"]), ("POST", ["embeddings"]),
        ("GET", ["models"]), ("GET", ["models", "*"]),
    ];

    private static readonly (string Method, string[] Path)[] AnthropicOperations =
    [
        ("POST", ["messages"]), ("POST", ["messages", "count_tokens"]), ("GET", ["models"]), ("GET", ["models", "*"]),
    ];

    /// <summary>GET, HEAD and OPTIONS: the only methods a read-only form lets through.</summary>
    public static bool IsSafeMethod(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>The operation <paramref name="method"/> on <paramref name="segments"/> is, or null when none is declared.</summary>
    public static ProviderOperation? Match(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(connector);
        return connector.Kind switch
        {
            ConnectorKind.OpenAI => MatchTable(connector, OpenAIOperations, method, segments),
            ConnectorKind.Anthropic => MatchTable(connector, AnthropicOperations, method, segments),
            ConnectorKind.Mcp => segments.Count == 0 && (HttpMethods.IsPost(method) || HttpMethods.IsGet(method) || HttpMethods.IsDelete(method))
                ? new ProviderOperation(connector, Writes: false, [])
                : null,
            ConnectorKind.Webhook => segments.Count == 0 && HttpMethods.IsPost(method) ? new ProviderOperation(connector, Writes: true, []) : null,
            ConnectorKind.Context => segments.Count == 0 && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) ? new ProviderOperation(connector, Writes: false, []) : null,
            ConnectorKind.Http => MatchHttp(tenant, connector, method, segments),
            _ => null,
        };
    }

    private static ProviderOperation? MatchTable(CatalogEntry connector, (string Method, string[] Path)[] table, string method, IReadOnlyList<string> segments)
    {
        var lookup = HttpMethods.IsHead(method) ? HttpMethods.Get : method;
        foreach (var (opMethod, path) in table)
        {
            if (string.Equals(opMethod, lookup, StringComparison.Ordinal) && path.Length == segments.Count
                && path.Select((p, i) => p == "*" || string.Equals(p, segments[i], StringComparison.Ordinal)).All(static ok => ok))
            {
                // Model calls (inference, listing) change nothing upstream.
                return new ProviderOperation(connector, Writes: false, []);
            }
        }

        return null;
    }

    private static ProviderOperation? MatchHttp(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments)
    {
        if (TryMatchBinding(connector, method, segments) is { } own)
        {
            return own;
        }

        foreach (var entry in tenant.Catalog)
        {
            if (entry.Kind == ConnectorKind.Http && !ReferenceEquals(entry, connector) && entry.Upstream == connector.Upstream
                && TryMatchBinding(entry, method, segments) is { } sibling)
            {
                return sibling;
            }
        }

        return null;
    }

    private static ProviderOperation? TryMatchBinding(CatalogEntry entry, string method, IReadOnlyList<string> segments)
    {
        var binding = entry.Http ?? new HttpBinding();
        var declared = binding.Method.ToUpperInvariant();
        var matchesMethod = string.Equals(declared, method, StringComparison.Ordinal)
            || (HttpMethods.IsHead(method) && declared == HttpMethods.Get);
        if (!matchesMethod)
        {
            return null;
        }

        var template = binding.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (template.Length != segments.Count)
        {
            return null;
        }

        var captured = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < template.Length; i++)
        {
            var part = template[i];
            if (part.Length > 2 && part[0] == '{' && part[^1] == '}' && part.IndexOf('{', 1) < 0)
            {
                captured.Add(new(part[1..^1], segments[i]));
            }
            else if (!string.Equals(part, segments[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        return new ProviderOperation(entry, Writes: !IsSafeMethod(method), captured);
    }
}
