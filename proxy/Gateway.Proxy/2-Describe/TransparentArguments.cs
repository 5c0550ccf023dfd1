using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Refusals;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The arguments a request on <c>/providers/{connector}/…</c> is decided with: the body's members, then the query's, then
/// the path template's captures, each name in one place only. An HTTP tool's or webhook's query is decided whatever its
/// binding (an upstream reads <c>?to=</c> beside a body, and a GET's arguments are its query), and a request whose
/// places disagree is refused rather than decided on one reading while the upstream acts on another: a name sent in two
/// places, or twice in the query in different cases (<c>to=a&amp;TO=b</c>); a raw <c>;</c> in the query (Rack 2 and older
/// Python split on it); and <c>_method</c> in the query or the body (Laravel, Symfony and Rails route on it).
/// </summary>
internal static class TransparentArguments
{
    /// <summary>The method override parameter frameworks route on.</summary>
    private const string MethodOverride = "_method";

    /// <summary>The merged arguments, or the refusal when the request's places disagree.</summary>
    public static (JsonElement Args, Refusal? Refusal) Merge(CatalogEntry connector, ProviderOperation operation, string rawQuery, JsonElement body)
    {
        var webLike = connector.Kind is ConnectorKind.Http or ConnectorKind.Webhook;
        var queryDecided = rawQuery.Length > 1 && (webLike || connector.Type().QueryCarriesArguments(connector));
        if (webLike && body.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in body.EnumerateObject())
            {
                if (property.Name.Equals(MethodOverride, StringComparison.OrdinalIgnoreCase))
                {
                    return (default, MethodOverrideRefusal(connector, $"the body's '{property.Name}'"));
                }
            }
        }

        if (operation.PathArgs.Count == 0 && !queryDecided)
        {
            return (body, null);
        }

        if (queryDecided && rawQuery.Contains(';', StringComparison.Ordinal))
        {
            return (default, Conflict(connector, "The query holds a raw ';', which some servers split on and others do not; percent-encode it (%3B)."));
        }

        var merged = body.ValueKind == JsonValueKind.Object ? JsonObject.Create(body)!.DeepClone().AsObject() : new JsonObject();
        var bodyNames = new HashSet<string>(merged.Select(static p => p.Key), StringComparer.OrdinalIgnoreCase);
        if (queryDecided)
        {
            // Pair by pair, names as spelt: ParseQuery would fold to=a&TO=b into one name the rules read as 'to' or 'TO'.
            var query = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in new QueryStringEnumerable(rawQuery))
            {
                var name = pair.DecodeName().ToString();
                if (webLike && name.Equals(MethodOverride, StringComparison.OrdinalIgnoreCase))
                {
                    return (default, MethodOverrideRefusal(connector, $"the query's '{RefusalText.Truncate(name)}'"));
                }

                if (bodyNames.Contains(name) || (query.TryGetValue(name, out var values) && !query.Keys.Contains(name, StringComparer.Ordinal)))
                {
                    return (default, Conflict(connector, $"The argument '{RefusalText.Truncate(name)}' is sent in more than one place or spelling (body, query); send each argument once."));
                }

                if (values is null)
                {
                    query[name] = values = [];
                }

                values.Add(pair.DecodeValue().ToString());
            }

            foreach (var (name, values) in query)
            {
                merged[name] = values.Count == 1 ? values[0] : new JsonArray([.. values.Select(static v => (JsonNode?)v)]);
            }
        }

        foreach (var (name, value) in operation.PathArgs)
        {
            if (merged.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } other && !SameText(other.Value, value))
            {
                return (default, Conflict(connector, $"The argument '{name}' is the path's '{RefusalText.Truncate(value)}' and, in the body or query, another value; send it once."));
            }

            merged.Remove(name);
            merged[name] = value;
        }

        using var document = JsonDocument.Parse(merged.ToJsonString());
        return (document.RootElement.Clone(), null);
    }

    // A body's or query's value that spells the path's capture (a string, or a number written so) says the same thing.
    private static bool SameText(JsonNode? node, string value) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => string.Equals(v.GetValue<string>(), value, StringComparison.Ordinal),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => string.Equals(v.ToJsonString(), value, StringComparison.Ordinal),
        _ => false,
    };

    private static Refusal Conflict(CatalogEntry connector, string detail) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, detail) { AuditTool = connector.Name };

    private static Refusal MethodOverrideRefusal(CatalogEntry connector, string where) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.MethodOverrideRefused,
            $"A method override ({where}) is refused: servers that route on it would run another operation than the one decided; send the real method.") { AuditTool = connector.Name };
}
