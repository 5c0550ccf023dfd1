using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Policy.Tools;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// A call's arguments checked against its catalog entry's <c>input_schema</c> (<see cref="ToolInputRefusal"/>, the policy library's one check) on
/// every route that invokes the entry (<c>/mcp</c>, <c>/v1/actions/invoke-tool</c>, <c>/providers/&lt;connector&gt;</c>) and on
/// <c>/v1/evaluate</c>, which an executor asks before invoking it, before anything is decided or forwarded: arguments that
/// do not fit are refused <c>invalid_arguments</c> (400), as are arguments holding an object of more than
/// <see cref="ToolInputRefusal.MaxObjectMembers"/> members, before any of it is read against the schema.
/// </summary>
internal static class ToolInputCheck
{
    /// <summary>The refusal of <paramref name="arguments"/> (absent: an empty object) that do not fit the entry's input schema; null when they fit or it has none.</summary>
    public static Refusal? Refuse(CatalogEntry entry, JsonElement arguments) =>
        ToolInputRefusal.SchemaOf(entry) is { } schema ? Refuse(entry, schema, arguments) : null;

    /// <summary>The gateway's refusal with <see cref="ToolInputRefusal.Explain(JsonElement, JsonElement)"/>'s detail (the one wording <c>gate eval</c> gives too).</summary>
    private static Refusal? Refuse(CatalogEntry entry, JsonElement schema, JsonElement arguments) =>
        ToolInputRefusal.Explain(schema, arguments) is { } detail ? Invalid(entry, detail) : null;

    private static Refusal Invalid(CatalogEntry entry, string detail) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.InvalidArguments, detail) { AuditTool = entry.Name };

    /// <summary>
    /// <see cref="Refuse(CatalogEntry, JsonElement)"/> for a request on <c>/providers/&lt;connector&gt;</c>, whose arguments are the body's members, the
    /// query's and the path's captures (<see cref="TransparentArguments"/>). A query or path value is text: where the schema
    /// types that top-level argument as a number, integer or boolean (and not as a string), text that is one is read as
    /// one (<c>?amount=5</c> is 5), as a server binding the parameter reads it; any other text is checked as text.
    /// </summary>
    /// <param name="entry">The connector's entry.</param>
    /// <param name="arguments">The merged arguments the action is decided with.</param>
    /// <param name="body">The body's JSON object (Undefined for none).</param>
    /// <param name="pathArgs">The path template's captures.</param>
    public static Refusal? RefuseProviderArguments(CatalogEntry entry, JsonElement arguments, JsonElement body, IReadOnlyList<KeyValuePair<string, string>> pathArgs)
    {
        if (ToolInputRefusal.SchemaOf(entry) is not { } schema)
        {
            return null;
        }

        if (arguments.ValueKind != JsonValueKind.Object)
        {
            return Refuse(entry, schema, arguments);
        }

        // An object too large to check is refused before its members are read (ToolInputRefusal.MaxObjectMembers).
        if (ToolInputRefusal.OversizedObject(arguments) is { } oversized)
        {
            return Invalid(entry, oversized);
        }

        // The body's and the path's names, each read once: a member is looked up here, never searched for in the body.
        var fromBody = body.ValueKind == JsonValueKind.Object ? body.EnumerateObject().Select(static m => m.Name).ToHashSet(StringComparer.Ordinal) : [];
        fromBody.ExceptWith(pathArgs.Select(static a => a.Key));
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var view = JsonNode.Parse(arguments.GetRawText())!.AsObject();
        foreach (var (name, value) in view.ToList())
        {
            var fromText = !fromBody.Contains(name);
            if (fromText && value is not null && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var property))
            {
                view[name] = Typed(property, value.DeepClone());
            }
        }

        using var typed = JsonDocument.Parse(view.ToJsonString());
        return Refuse(entry, schema, typed.RootElement);
    }

    /// <summary>Text read as the number or boolean its schema types it as (an array's items each so); anything else as it is.</summary>
    private static JsonNode Typed(JsonElement schema, JsonNode value)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return value;
        }

        if (value is JsonArray array && Allows(schema, "array") && schema.TryGetProperty("items", out var items))
        {
            return new JsonArray([.. array.Select(item => item is null ? null : Typed(items, item.DeepClone()))]);
        }

        if (value is not JsonValue scalar || !scalar.TryGetValue<string>(out var text) || Allows(schema, "string"))
        {
            return value;
        }

        if ((Allows(schema, "number") || Allows(schema, "integer")) && IsJsonNumber(text))
        {
            return JsonNode.Parse(text)!;
        }

        return Allows(schema, "boolean") && text is "true" or "false" ? JsonValue.Create(text == "true") : value;
    }

    /// <summary>True when the schema's <c>type</c> (a name or a list of names) names the type.</summary>
    private static bool Allows(JsonElement schema, string type) =>
        schema.TryGetProperty("type", out var t)
        && (t.ValueKind == JsonValueKind.String ? t.ValueEquals(type)
            : t.ValueKind == JsonValueKind.Array && t.EnumerateArray().Any(n => n.ValueKind == JsonValueKind.String && n.ValueEquals(type)));

    private static bool IsJsonNumber(string text)
    {
        try
        {
            using var number = JsonDocument.Parse(text);
            return number.RootElement.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
