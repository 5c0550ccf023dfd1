using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Refusals;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The arguments a request on <c>/providers/{connector}/…</c> is decided with: the body's members, then the query's, then
/// the path template's captures, each name in one place only. An HTTP tool's or webhook's query is decided whatever its
/// binding (an upstream reads <c>?to=</c> beside a body, and a GET's arguments are its query), and a request whose
/// places disagree is refused rather than decided on one reading while the upstream acts on another: a name sent in two
/// places, or twice in the query in different cases (<c>to=a&amp;TO=b</c>); a raw <c>;</c> in the query (Rack 2 and older
/// Python split on it); a query name holding <c>[</c>, <c>]</c>, <c>.</c> or a space, raw or encoded (PHP, Rails and
/// Express's qs read <c>to[]</c> as <c>to</c>, and PHP <c>t.o</c> and <c>t o</c> as <c>t_o</c>, as
/// <see cref="HttpConnectorType.RenamedInAQuery"/> and <see cref="OverridingArgumentNames"/> model it); and <c>_method</c>
/// in the query or the body (Laravel, Symfony and Rails route on it). A name spelled two ways deeper in the body is the
/// kind's <see cref="ConnectorType.ArgumentsRefusal"/>, checked on what this merges.
/// </summary>
internal static class TransparentArguments
{
    /// <summary>The merged arguments, or the refusal when the request's places disagree.</summary>
    public static (JsonElement Args, Refusal? Refusal) Merge(CatalogEntry connector, ProviderOperation operation, string rawQuery, JsonElement body)
    {
        var webLike = connector.Kind is ConnectorKind.Http or ConnectorKind.Webhook;
        var queryDecided = rawQuery.Length > 1 && (webLike || connector.Type().QueryCarriesArguments(connector));

        // The body's names as a lenient server matches them (A2aMemberNames.Fold: no case, no _ or -): one spelling each,
        // read when the kind refuses a body's name or the query is decided beside them.
        Dictionary<string, string>? bodyNames = null;
        if ((webLike || queryDecided) && body.ValueKind == JsonValueKind.Object)
        {
            bodyNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in body.EnumerateObject())
            {
                if (webLike && OverridingArgumentNames.OverridesTheMethod(property.Name))
                {
                    return (default, MethodOverrideRefusal(connector, $"the body's '{RefusalText.Truncate(property.Name)}'"));
                }

                if (!bodyNames.TryAdd(A2aMemberNames.Fold(property.Name), property.Name) && webLike)
                {
                    return (default, Conflict(connector, $"The body spells '{RefusalText.Truncate(property.Name)}' two ways; a server that matches names without case would read the other. Send it once."));
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
        if (queryDecided)
        {
            if (QueryArguments(connector, rawQuery, webLike, out var refusal) is not { } query)
            {
                return (default, refusal);
            }

            foreach (var (folded, (name, values)) in query)
            {
                // A name the body gives too is refused unless both say the same, spelled alike.
                if (bodyNames is not null && bodyNames.TryGetValue(folded, out var spelled))
                {
                    if (!string.Equals(spelled, name, StringComparison.Ordinal) || values.Count != 1 || !SameText(merged[spelled], values[0]))
                    {
                        return (default, Conflict(connector, $"The argument '{RefusalText.Truncate(name)}' is sent in the body and the query with different values or spellings; send it once."));
                    }

                    continue;
                }

                merged[name] = values.Count == 1 ? values[0] : new JsonArray([.. values.Select(static v => (JsonNode?)v)]);
            }
        }

        foreach (var (name, value) in operation.PathArgs)
        {
            // Every spelling a lenient server would take for the capture must say what the path says.
            var folded = A2aMemberNames.Fold(name);
            var others = merged.Where(p => A2aMemberNames.Fold(p.Key) == folded).ToList();
            if (others.Any(other => !SameText(other.Value, value)))
            {
                return (default, Conflict(connector, $"The argument '{name}' is the path's '{RefusalText.Truncate(value)}' and, in the body or query, another value; send it once."));
            }

            foreach (var other in others)
            {
                merged.Remove(other.Key);
            }

            merged[name] = value;
        }

        using var document = JsonDocument.Parse(merged.ToJsonString());
        return (document.RootElement.Clone(), null);
    }

    /// <summary>
    /// The query's arguments by folded name, each with its one spelling and its values; null with the refusal when a name
    /// is spelled two ways (<c>to=a&amp;TO=b</c>) or overrides the method.
    /// </summary>
    private static Dictionary<string, (string Name, List<string> Values)>? QueryArguments(CatalogEntry connector, string rawQuery, bool webLike, out Refusal? refusal)
    {
        refusal = null;
        var query = new Dictionary<string, (string Name, List<string> Values)>(StringComparer.Ordinal);
        foreach (var pair in new QueryStringEnumerable(rawQuery))
        {
            var name = pair.DecodeName().ToString();
            if (webLike && OverridingArgumentNames.OverridesTheMethod(name))
            {
                refusal = MethodOverrideRefusal(connector, $"the query's '{RefusalText.Truncate(name)}'");
                return null;
            }

            if (HttpConnectorType.RenamedInAQuery(name))
            {
                refusal = Conflict(connector, $"The query name '{RefusalText.Truncate(name)}' holds '[', ']', '.' or a space, which some servers read as another name (to[] as to, t.o as t_o) and others do not; send a plain name, or the argument in the JSON body.");
                return null;
            }

            var folded = A2aMemberNames.Fold(name);
            if (!query.TryGetValue(folded, out var argument))
            {
                query[folded] = argument = (name, []);
            }
            else if (!string.Equals(argument.Name, name, StringComparison.Ordinal))
            {
                refusal = Conflict(connector, $"The argument '{RefusalText.Truncate(name)}' is spelled two ways in the query; a server that matches names without case would read the other. Send it once.");
                return null;
            }

            argument.Values.Add(pair.DecodeValue().ToString());
        }

        return query;
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
