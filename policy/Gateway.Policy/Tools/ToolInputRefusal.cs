using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Gateway.Policy.Tools;

/// <summary>
/// The one refusal of a call whose arguments do not fit its catalog entry's <c>input_schema</c>
/// (<see cref="ToolInputSchema.Validate"/>): <c>invalid_arguments</c>, 400, before anything is decided. The gateway refuses
/// with it on every route that invokes the entry and on <c>/v1/evaluate</c>; <c>gate eval</c> and <c>policy test</c> give the
/// same refusal offline.
/// </summary>
public static class ToolInputRefusal
{
    /// <summary>The refusal's stable code (the gateway's <c>ProblemCodes.InvalidArguments</c> is this one).</summary>
    public const string Code = "invalid_arguments";

    /// <summary>The refusal's HTTP status.</summary>
    public const int Status = 400;

    /// <summary>The most schema errors the detail names.</summary>
    private const int MaxErrors = 5;

    /// <summary>How an input schema's text is read, at load and on every call: a member named twice is refused (a reader would keep the last).</summary>
    public static JsonDocumentOptions SchemaOptions => new() { MaxDepth = 4 * ToolInputSchema.MaxDepth, AllowDuplicateProperties = false };

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    // Each entry's schema parsed once (keyed by its text, which lives as long as the entry), not on every call.
    private static readonly ConditionalWeakTable<string, StrongBox<JsonElement>> Schemas = new();

    /// <summary>Why <paramref name="arguments"/> (absent: an empty object) are refused against the entry's input schema, each error with its JSON path; null when they fit or it has none.</summary>
    public static string? Explain(CatalogEntry entry, JsonElement arguments) =>
        SchemaOf(entry) is { } schema ? Explain(schema, arguments) : null;

    /// <summary>Why <paramref name="arguments"/> (absent: an empty object) are refused against <paramref name="schema"/>; null when they fit.</summary>
    public static string? Explain(JsonElement schema, JsonElement arguments)
    {
        var errors = ToolInputSchema.Validate(schema, arguments.ValueKind == JsonValueKind.Undefined ? EmptyObject : arguments);
        return errors.Count == 0
            ? null
            : "The arguments do not fit the tool's input schema: " + string.Join("; ", errors.Take(MaxErrors)) + (errors.Count > MaxErrors ? "; …" : ".");
    }

    /// <summary>The entry's input schema, parsed once; null when it has none.</summary>
    public static JsonElement? SchemaOf(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.InputSchema is { } text ? Schemas.GetValue(text, static t => new StrongBox<JsonElement>(JsonDocument.Parse(t, SchemaOptions).RootElement.Clone())).Value : null;
    }
}
