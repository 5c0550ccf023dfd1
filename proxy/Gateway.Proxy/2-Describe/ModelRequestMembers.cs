using System.Text.Json;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// A model request's top-level members are each spelled once and as the provider's API spells the ones the gateway reads
/// (<c>model</c>, the output ceilings, <c>n</c>, <c>best_of</c>, <c>stream</c>, <c>stream_options</c>): an OpenAI-compatible
/// server that matches names without case (Go's <c>encoding/json</c>, as Ollama does) takes the last of <c>model</c> and
/// <c>Model</c>, so a request carrying both would be decided, reserved and routed on one and run on the other.
/// </summary>
internal static class ModelRequestMembers
{
    private static readonly string[] Read = ["model", "max_tokens", "max_completion_tokens", "max_output_tokens", "n", "best_of", "stream", "stream_options"];

    private static readonly Dictionary<string, string> ReadByFold = Read.ToDictionary(A2aMemberNames.Fold, static name => name, StringComparer.Ordinal);

    /// <summary>Why <paramref name="request"/> is refused (two spellings of one member, or one the gateway reads spelled otherwise); null when it is not.</summary>
    public static string? Refusal(JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in request.EnumerateObject())
        {
            var folded = A2aMemberNames.Fold(property.Name);
            if (seen.TryGetValue(folded, out var first))
            {
                return $"The request spells one member twice ('{RefusalText.Truncate(first)}' and '{RefusalText.Truncate(property.Name)}'); a server that matches names without case would read the other. Send it once.";
            }

            seen[folded] = property.Name;
            if (ReadByFold.TryGetValue(folded, out var spelled) && !string.Equals(spelled, property.Name, StringComparison.Ordinal))
            {
                return $"The member '{RefusalText.Truncate(property.Name)}' is read as '{spelled}' by a server that matches names without case, and the gateway reads only '{spelled}'; spell it so.";
            }
        }

        return null;
    }
}
