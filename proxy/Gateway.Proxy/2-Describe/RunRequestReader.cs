using System.Text.Json;
using Gateway.Oversight.Runs;
using Gateway.Policy.Serialization;

namespace Gateway.Proxy.Describe;

/// <summary>What <c>POST /v1/runs</c> asks: the agent's framework, the run's purpose and the run it is started under, each optional.</summary>
internal sealed record RunStartRequest(string? Framework, string? Purpose, string? ParentRun);

/// <summary>One lifecycle event of <c>POST /v1/runs/{id}/events</c>: its type, and optionally a name and a detail object.</summary>
internal sealed record RunEventRequest(string Type, string? Name, JsonElement? Detail);

/// <summary>
/// Reads the bodies of the run routes, or says exactly what is wrong (400): a JSON object with only the members each
/// route knows (any other is refused, as on every agent route), each within its bounds; what is wrong is said where it is,
/// by JSON path, line and byte (<see cref="JsonBodyLocation"/>, <see cref="JsonErrorText"/>). The body's size is bounded
/// before (<c>Gateway:Runs:MaxEventBytes</c>).
/// </summary>
internal static class RunRequestReader
{
    /// <summary>The lifecycle events an agent may send; the last three end the run.</summary>
    public static readonly IReadOnlyList<string> EventTypes = ["started", "step", RunStatuses.Completed, RunStatuses.Failed, RunStatuses.Cancelled];

    private const int MaxFrameworkLength = 64;
    private const int MaxPurposeLength = 1024;
    private const int MaxNameLength = 256;

    // The error of a member the route does not know: no error text begins with a NUL.
    private const string UnknownMember = "\0unknown";

    /// <summary><c>{"framework"?, "purpose"?, "parent_run"?}</c>; an empty body asks for none of them.</summary>
    public static (RunStartRequest? Request, string? Error) ReadStart(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (new RunStartRequest(null, null, null), null);
        }

        if (Parse(body, out var error) is not { } root)
        {
            return (null, error);
        }

        string? framework = null, purpose = null, parent = null;
        foreach (var member in root.EnumerateObject())
        {
            error = member.Name switch
            {
                "framework" => Text(member.Value, "framework", MaxFrameworkLength, out framework),
                "purpose" => Text(member.Value, "purpose", MaxPurposeLength, out purpose),
                "parent_run" => member.Value.ValueKind == JsonValueKind.String && RunIds.IsValid(member.Value.GetString())
                    ? Set(out parent, member.Value.GetString())
                    : $"parent_run must be a run id ({RunIds.Prefix} followed by 32 lowercase hex characters).",
                _ => UnknownMember,
            };
            if (error is not null)
            {
                return (null, Located(body, member.Name, error));
            }
        }

        return (new RunStartRequest(framework, purpose, parent), null);
    }

    /// <summary><c>{"type", "name"?, "detail"?}</c>: type one of <see cref="EventTypes"/>, detail a JSON object.</summary>
    public static (RunEventRequest? Request, string? Error) ReadEvent(ReadOnlySpan<byte> body)
    {
        if (Parse(body, out var error) is not { } root)
        {
            return (null, error);
        }

        string? type = null, name = null;
        JsonElement? detail = null;
        foreach (var member in root.EnumerateObject())
        {
            error = member.Name switch
            {
                "type" => member.Value.ValueKind == JsonValueKind.String && EventTypes.Contains(member.Value.GetString())
                    ? Set(out type, member.Value.GetString())
                    : "type must be one of: " + string.Join(", ", EventTypes) + ".",
                "name" => Text(member.Value, "name", MaxNameLength, out name),
                "detail" => member.Value.ValueKind == JsonValueKind.Object
                    ? Set(out detail, member.Value)
                    : "detail must be a JSON object.",
                _ => UnknownMember,
            };
            if (error is not null)
            {
                return (null, Located(body, member.Name, error));
            }
        }

        return type is null ? (null, JsonBodyLocation.Missing(body, "type")) : (new RunEventRequest(type, name, detail), null);
    }

    // What is wrong with the member named, said where it is in the body.
    private static string Located(ReadOnlySpan<byte> body, string member, string error) =>
        error == UnknownMember ? JsonBodyLocation.Unknown(body, member) : JsonBodyLocation.At(body, error, member);

    private static JsonElement? Parse(ReadOnlySpan<byte> body, out string? error)
    {
        try
        {
            var root = JsonText.ParseStrict(body, maxDepth: 32);
            if (root.ValueKind == JsonValueKind.Object)
            {
                error = null;
                return root;
            }

            error = JsonBodyLocation.At(body, "the body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            error = JsonErrorText.Describe(ex, body);
        }

        return null;
    }

    // A string of 1 to max characters with no control character.
    private static string? Text(JsonElement value, string what, int max, out string? text)
    {
        text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is { Length: > 0 } && text.Length <= max && !text.Any(char.IsControl))
        {
            return null;
        }

        text = null;
        return $"{what} must be a string of 1 to {max} characters, no control characters.";
    }

    private static string? Set<T>(out T target, T value)
    {
        target = value;
        return null;
    }
}
