using System.Text.Json;
using Gateway.Oversight;

namespace Gateway.Proxy.Describe;

// The envelope routes' bodies (/v1/actions/model, /context, /writeback): their own members around the action's; what is
// wrong with one is said where it is, by JSON path, line and byte (JsonBodyLocation).
internal static partial class GovernedRequestReader
{
    // An envelope of the members named, nameMember naming the catalog entry the action is decided under (connector or scope).
    private static Result ReadEnvelope(ReadOnlyMemory<byte> body, JsonElement root, string nameMember, string[] otherMembers, Func<JsonElement, Result> read)
    {
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name != nameMember && Array.IndexOf(otherMembers, member.Name) < 0)
            {
                return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, JsonBodyLocation.Unknown(body.Span, member.Name));
            }
        }

        var result = read(root);
        return (result.Request is { } request ? CheckName(request, nameMember, body.Span) : result) with { Body = root };
    }

    /// <summary>
    /// The optional <c>warrant</c> (a string, or null) and <c>simulate</c> (true or false) of an envelope, read as strictly
    /// as the action body's: any other type is the refusal returned (400 malformed_body), never silently absent or false.
    /// </summary>
    private static Result? ReadOptions(ReadOnlySpan<byte> body, JsonElement root, out string? warrant, out bool simulate)
    {
        warrant = null;
        simulate = false;
        if (root.TryGetProperty("warrant", out var presented) && presented.ValueKind != JsonValueKind.Null
            && (presented.ValueKind != JsonValueKind.String || (warrant = TextOf(presented)) is null))
        {
            return WrongType(body, "warrant", "a string");
        }

        if (root.TryGetProperty("simulate", out var asked))
        {
            if (asked.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return WrongType(body, "simulate", "true or false");
            }

            simulate = asked.ValueKind == JsonValueKind.True;
        }

        return null;
    }

    private static Result WrongType(ReadOnlySpan<byte> body, string member, string takes) =>
        Refuse(body, $"the value is not of the type this member takes ({takes}).", member);

    // A member the route requires: present, what it must be; absent, that it is missing (each where it is in the body).
    private static Result Required(ReadOnlySpan<byte> body, JsonElement root, string member, string takes) =>
        root.TryGetProperty(member, out _)
            ? Refuse(body, $"the member '{member}' must be {takes}.", member)
            : Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, JsonBodyLocation.Missing(body, member, takes));

    // 400 malformed_body: what is wrong with the value at path, said where it is in the body.
    private static Result Refuse(ReadOnlySpan<byte> body, string what, params ReadOnlySpan<JsonStep> path) =>
        Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, JsonBodyLocation.At(body, what, path));
}
