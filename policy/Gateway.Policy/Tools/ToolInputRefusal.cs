using System.Globalization;
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

    /// <summary>The most members one object of the arguments may hold: past it they are refused before the schema is read.</summary>
    public const int MaxObjectMembers = 10_000;

    /// <summary>The most schema errors the detail names: one fewer than <see cref="ToolInputSchema.Validate"/> collects, so its "; …" is true.</summary>
    private const int MaxErrors = ToolInputSchema.MaxErrors - 1;

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
        if (OversizedObject(arguments) is { } oversized)
        {
            return oversized;
        }

        var errors = ToolInputSchema.Validate(schema, arguments.ValueKind == JsonValueKind.Undefined ? EmptyObject : arguments);
        return errors.Count == 0
            ? null
            : "The arguments do not fit the tool's input schema: " + string.Join("; ", errors.Take(MaxErrors)) + (errors.Count > MaxErrors ? "; …" : ".");
    }

    /// <summary>
    /// Why <paramref name="arguments"/> are refused before any schema check: an object among them (at any depth) holds more
    /// than <see cref="MaxObjectMembers"/> members; null when none does.
    /// </summary>
    public static string? OversizedObject(JsonElement arguments)
    {
        var steps = new List<string>();
        return Oversized(arguments, steps)
            ? $"The arguments hold an object of more than {MaxObjectMembers} members (${string.Concat(steps)}); the gateway checks none that large. Send fewer members in one object."
            : null;
    }

    // True when value, or an object or array within it, is an object of more than MaxObjectMembers members; steps then
    // holds the way to it (each member's name cut as ToolInputSchema's paths cut it), built only along the way walked.
    private static bool Oversized(JsonElement value, List<string> steps)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            if (value.GetPropertyCount() > MaxObjectMembers)
            {
                return true;
            }

            foreach (var member in value.EnumerateObject())
            {
                if (IsContainer(member.Value) && Oversized(member.Value, steps, ToolInputSchema.Member(string.Empty, member.Name)))
                {
                    return true;
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (IsContainer(item) && Oversized(item, steps, string.Create(CultureInfo.InvariantCulture, $"[{i}]")))
                {
                    return true;
                }

                i++;
            }
        }

        return false;
    }

    private static bool Oversized(JsonElement child, List<string> steps, string step)
    {
        steps.Add(step);
        if (Oversized(child, steps))
        {
            return true;
        }

        steps.RemoveAt(steps.Count - 1);
        return false;
    }

    private static bool IsContainer(JsonElement value) => value.ValueKind is JsonValueKind.Object or JsonValueKind.Array;

    /// <summary>The entry's input schema, parsed once; null when it has none.</summary>
    public static JsonElement? SchemaOf(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.InputSchema is { } text ? Schemas.GetValue(text, static t => new StrongBox<JsonElement>(JsonDocument.Parse(t, SchemaOptions).RootElement.Clone())).Value : null;
    }
}
