using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

// The envelope routes' bodies (/v1/actions/model, /context, /writeback): their own members around the action's.
internal static partial class GovernedRequestReader
{
    // An envelope of the members named, nameMember naming the catalog entry the action is decided under (connector or scope).
    private static Result ReadEnvelope(JsonElement root, string nameMember, string[] otherMembers, Func<JsonElement, Result> read)
    {
        foreach (var member in root.EnumerateObject())
        {
            if (member.Name != nameMember && Array.IndexOf(otherMembers, member.Name) < 0)
            {
                return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, $"Unknown member '{RefusalText.Truncate(member.Name)}'.");
            }
        }

        var result = read(root);
        return (result.Request is { } request ? CheckName(request, nameMember) : result) with { Body = root };
    }

    /// <summary>
    /// The optional <c>warrant</c> (a string, or null) and <c>simulate</c> (true or false) of an envelope, read as strictly
    /// as the action body's: any other type is the refusal returned (400 malformed_body), never silently absent or false.
    /// </summary>
    private static Result? ReadOptions(JsonElement root, out string? warrant, out bool simulate)
    {
        warrant = null;
        simulate = false;
        if (root.TryGetProperty("warrant", out var presented) && presented.ValueKind != JsonValueKind.Null
            && (presented.ValueKind != JsonValueKind.String || (warrant = TextOf(presented)) is null))
        {
            return WrongType("warrant", "a string");
        }

        if (root.TryGetProperty("simulate", out var asked))
        {
            if (asked.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return WrongType("simulate", "true or false");
            }

            simulate = asked.ValueKind == JsonValueKind.True;
        }

        return null;
    }

    private static Result WrongType(string member, string takes) =>
        Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
            $"The body is not valid for this route at $.{member}: the value is not of the type this member takes ({takes}).");
}
