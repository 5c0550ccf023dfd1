using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;

namespace Gateway.Connectors.Models;

/// <summary>
/// The one rewrite of a model request body (UTF-8 JSON) on its way upstream, on the provider route and in a governed
/// model call's envelope alike: under the <c>route</c> degrade form the model is replaced by the route model and every
/// token ceiling (<c>max_tokens</c>, <c>max_completion_tokens</c>, <c>max_output_tokens</c>) capped (when the request names
/// none the API reads, the API's own ceiling is added at the cap: legacy <c>/completions</c> reads only <c>max_tokens</c>) and one answer asked for (<c>n</c>, <c>best_of</c>); a streamed OpenAI chat request is asked for usage in its final chunk
/// (<c>stream_options.include_usage</c>). A request that names no ceiling the API reads is sent with the API's own at the
/// ceiling its reservation holds (<see cref="MaxTokensEstimator.DefaultCeiling"/>): what is reserved is what may be spent.
/// The body is read as the caller parsed it, and written once, only when something changes.
/// </summary>
public static class ModelRequestRewriter
{
    /// <summary>
    /// The body as sent upstream to <paramref name="entry"/> under <paramref name="degrade"/> (the decision's route, else
    /// the entry's), or null when it goes as it is. <paramref name="parsed"/> is <paramref name="requestBody"/> as the
    /// caller already parsed it, or Undefined (the body is parsed here). Throws <see cref="JsonException"/> when a body
    /// that would be rewritten is not a JSON object.
    /// </summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> requestBody, JsonElement parsed, ModelApi api, CatalogEntry entry, DegradeSpec? degrade)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var routed = degrade?.Mode == DegradeMode.Route;
        var asksForUsage = api == ModelApi.OpenAIChatCompletions;
        JsonElement request;
        try
        {
            request = parsed.ValueKind == JsonValueKind.Undefined ? JsonElement.Parse(requestBody) : parsed;
        }
        catch (JsonException) when (!routed && !asksForUsage)
        {
            // Not JSON: nothing the provider could run, so nothing to cap.
            return null;
        }

        if (request.ValueKind != JsonValueKind.Object)
        {
            return !routed && !asksForUsage ? null : throw new JsonException("A model request body must be a JSON object.");
        }

        // A call that names its ceiling, and a chat completion that does not stream, sent as they are (the most common
        // calls), build no tree.
        var streamed = asksForUsage && IsStreaming(request);
        var cap = routed ? degrade!.Route?.MaxTokens ?? entry.Degrade?.Route?.MaxTokens : null;
        var uncapped = cap is null && !MaxTokensEstimator.NamesCeiling(request, api);
        if (!routed && !streamed && !uncapped)
        {
            return null;
        }

        var root = JsonObject.Create(request)!;
        var changed = routed && Route(root, degrade!.Route?.Model ?? entry.Degrade?.Route?.Model, cap, api);
        if (uncapped)
        {
            // No ceiling the API reads: the one the reservation holds is sent, in place of any the API reads as none (null).
            foreach (var name in MaxTokensEstimator.MemberNamesFor(api))
            {
                root.Remove(name);
            }

            root[MaxTokensEstimator.OwnMemberName(api)] = MaxTokensEstimator.DefaultCeiling;
            changed = true;
        }

        if (streamed)
        {
            if (root["stream_options"] is not JsonObject options)
            {
                options = [];
                root["stream_options"] = options;
            }

            options["include_usage"] = true;
            changed = true;
        }

        return changed ? JsonSerializer.SerializeToUtf8Bytes(root, ConnectorsJsonContext.Default.JsonObject) : null;
    }

    /// <summary>True when the body asks for a streamed response (<c>"stream": true</c>).</summary>
    public static bool IsStreaming(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;

    private static bool Route(JsonObject root, string? model, int? maxTokens, ModelApi api)
    {
        var changed = false;
        if (!string.IsNullOrWhiteSpace(model))
        {
            root["model"] = model;
            changed = true;
        }

        if (maxTokens is not { } cap)
        {
            return changed;
        }

        // Every ceiling the request names is capped; the call is capped once one the API itself reads is (a ceiling only
        // another API reads would leave it uncapped, so the API's own is then added).
        var any = false;
        var read = MaxTokensEstimator.MemberNamesFor(api);
        foreach (var name in MaxTokensEstimator.MemberNames)
        {
            if (root[name] is null)
            {
                continue;
            }

            // A ceiling below 1 is no limit to some servers (Ollama and llama.cpp read -1 so): the cap, not the smaller.
            root[name] = root[name] is JsonValue value && value.TryGetValue<long>(out var current) && current >= 1 ? Math.Min(current, cap) : cap;
            any |= read.Contains(name);
        }

        // The cap is the call's whole output: one answer, not n answers each at the cap.
        foreach (var name in (ReadOnlySpan<string>)["n", "best_of"])
        {
            if (root[name] is not null)
            {
                root[name] = 1;
            }
        }

        if (!any)
        {
            root[MaxTokensEstimator.OwnMemberName(api)] = cap;
        }

        return true;
    }
}
