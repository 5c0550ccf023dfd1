using System.Text.Json;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Refusals;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.Describe;

/// <summary>
/// A model request's top-level members are each spelled once and as the provider's API spells the ones the gateway reads
/// (<c>model</c>, the output ceilings, <c>n</c>, <c>best_of</c>, <c>stream</c>, <c>stream_options</c>, <c>prompt</c>): an OpenAI-compatible
/// server that matches names without case (Go's <c>encoding/json</c>, as Ollama does) takes the last of <c>model</c> and
/// <c>Model</c>, so a request carrying both would be decided, reserved and routed on one and run on the other. Each of
/// those members is of the JSON type the API gives it (<see cref="TypeRefusal"/>), and none is sent in the query
/// (<see cref="QueryRefusal"/>). Two members are refused outright, as no budget could count the call: an OpenAI response's
/// <c>background: true</c> (answered <c>queued</c>, with no usage, before the model runs) and llama.cpp's <c>n_predict</c>
/// (an output ceiling that wins over <c>max_tokens</c>, <c>-1</c> for none, which the reservation does not read). An OpenAI
/// response's stored <c>prompt</c> (an object naming a prompt by id) runs the model it was saved with: a request carrying one
/// and no <c>model</c> is refused (<see cref="StoredPromptRefusal"/>), since no rule, budget or price would see that model.
/// </summary>
internal static class ModelRequestMembers
{
    private static readonly string[] Read = ["model", "max_tokens", "max_completion_tokens", "max_output_tokens", "n", "best_of", "stream", "stream_options", "background", "n_predict", "prompt"];

    private static readonly Dictionary<string, string> ReadByFold = Read.ToDictionary(A2aMemberNames.Fold, static name => name, StringComparer.Ordinal);

    /// <summary>
    /// Why <paramref name="request"/> is refused (two spellings of one member, one the gateway reads spelled otherwise, or
    /// one the gateway reads of another JSON type); null when it is not.
    /// </summary>
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

            if (spelled is not null && TypeRefusal(spelled, property.Value) is { } mistyped)
            {
                return mistyped;
            }
        }

        return StoredPromptRefusal(request);
    }

    /// <summary>
    /// Why a request naming a stored prompt (a <c>prompt</c> that is not text: an OpenAI response's <c>{"id": …}</c>) and no
    /// <c>model</c> is refused: the provider runs the model the prompt was saved with, which the gateway never sees, so a
    /// rule on <c>$.model</c> would not match and a budget or run would price it as no model. A text <c>prompt</c> (the
    /// legacy completions', a string or an array) or one beside a <c>model</c> passes.
    /// </summary>
    private static string? StoredPromptRefusal(JsonElement request) =>
        request.TryGetProperty("prompt", out var prompt) && prompt.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null)
        && !request.TryGetProperty("model", out _)
            ? "The member 'prompt' names a stored prompt, which runs the model it was saved with, and the request names no 'model': the gateway cannot decide, reserve or price a model it does not see. Name the model in 'model'."
            : null;

    /// <summary>
    /// Why <paramref name="rawQuery"/> is refused: a parameter whose name, percent-decoded, read up to any <c>[</c> and with
    /// <c>.</c> and spaces dropped (as PHP, Rails and Express's qs read <c>model[]</c> and <c>max.tokens</c>), folds like a
    /// member the gateway reads. A LiteLLM-style server takes <c>?model=</c> over the body's, so the request would run a model
    /// (or a ceiling, or a stream) the gateway never decided, degraded or reserved; other names (<c>api-version</c>) pass.
    /// </summary>
    public static string? QueryRefusal(string rawQuery)
    {
        foreach (var pair in new QueryStringEnumerable(rawQuery))
        {
            var name = pair.DecodeName().ToString();
            var read = name.IndexOf('[', StringComparison.Ordinal) is var bracket and >= 0 ? name[..bracket] : name;
            if (ReadByFold.TryGetValue(A2aMemberNames.Fold(read.Replace(".", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal)), out var member))
            {
                return $"The query's '{RefusalText.Truncate(name)}' is read as '{member}' by a server that takes model members from the query, and the gateway decides only the body's; send it in the JSON body.";
            }
        }

        return null;
    }

    /// <summary>
    /// Why the member <paramref name="name"/> is refused with <paramref name="value"/>: <c>model</c> is a string; the
    /// ceilings, <c>n</c> and <c>best_of</c> are whole JSON numbers of at least 1 (<c>100</c>, <c>1e2</c>; not <c>-1</c>, which
    /// Ollama and llama.cpp read as no limit), <c>stream</c> is true or false,
    /// <c>stream_options</c> is an object, each but <c>model</c> or null (as the OpenAI API takes it: none given); <c>prompt</c>
    /// may be of any type (<see cref="StoredPromptRefusal"/> reads it). A server that reads
    /// types leniently (pydantic's lax mode, in vLLM, SGLang, LiteLLM) reads <c>"100000"</c> as a number and <c>"true"</c>
    /// as true, which the gateway, reading JSON types, would neither reserve nor ask usage for.
    /// </summary>
    private static string? TypeRefusal(string name, JsonElement value)
    {
        if (name == "background" && value.ValueKind == JsonValueKind.True)
        {
            return "The member 'background' is refused: a background response is answered 'queued', with no usage, before the model runs, so the tokens it then uses (its reasoning, its history, its tool turns) could never be counted against a budget or a run's limits. Send it without 'background' (or with false) and read the answer as it comes.";
        }

        if (name == "n_predict")
        {
            return "The member 'n_predict' is refused: llama.cpp reads it as the output ceiling over 'max_tokens' (-1 for none), which the gateway neither reserves nor caps. Name the ceiling as 'max_tokens' (or the API's own ceiling) instead.";
        }

        var expected = name switch
        {
            "model" => value.ValueKind == JsonValueKind.String ? null : "a string",
            "stream" => value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null ? null : "true, false or null",
            "stream_options" => value.ValueKind is JsonValueKind.Object or JsonValueKind.Null ? null : "an object or null",
            "background" => value.ValueKind is JsonValueKind.False or JsonValueKind.Null ? null : "false or null",
            "prompt" => null,
            _ => value.ValueKind == JsonValueKind.Null || IsCount(value) ? null : "a whole number of at least 1 (a JSON number), or null",
        };
        return expected is null ? null
            : $"The member '{name}' must be {expected}, not {Described(value)}: a server that reads types leniently would read it as a value the gateway never decided or reserved.";
    }

    // A ceiling, n or best_of below 1 is none to some servers (Ollama and llama.cpp read -1 as no limit), which a route
    // degrade's cap, taking the smaller, would send as it is.
    private static bool IsCount(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number
        && (value.TryGetInt64(out var whole) ? whole >= 1 : value.TryGetDouble(out var real) && double.IsFinite(real) && real == Math.Floor(real) && real >= 1);

    private static string Described(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number that is not whole",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };
}
