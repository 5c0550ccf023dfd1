using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;

namespace Gateway.Connectors.Models;

/// <summary>
/// The one rewrite of a model request body (UTF-8 JSON) on its way upstream, on the provider route and in a governed
/// model call's envelope alike: under the <c>route</c> degrade form the model is replaced by the route model and every
/// token ceiling (<c>max_tokens</c>, <c>max_completion_tokens</c>, <c>max_output_tokens</c>) capped (when the request names
/// none the API reads, the API's own ceiling is added at the cap: legacy <c>/completions</c> reads only <c>max_tokens</c>) and one answer asked for (<c>n</c>, <c>best_of</c>); a streamed OpenAI chat request is asked for usage in its final chunk
/// (<c>stream_options.include_usage</c>). The body is read as the caller parsed it, and written once, only when something
/// changes.
/// </summary>
public static class ModelRequestRewriter
{
    /// <summary>
    /// Whether a request to <paramref name="requestPath"/> of <paramref name="api"/> asks the model for an answer: OpenAI's
    /// <c>/chat/completions</c>, <c>/completions</c> and <c>/responses</c>, Anthropic's <c>/messages</c>; not embeddings,
    /// moderations, images, token counts or batches, which an API refuses an output ceiling on.
    /// </summary>
    public static bool Generates(ModelApi api, string requestPath)
    {
        ArgumentNullException.ThrowIfNull(requestPath);
        return api switch
        {
            ModelApi.OpenAIChatCompletions => ModelApiPath.EndsIn(requestPath, "chat/completions"),
            ModelApi.AnthropicMessages => ModelApiPath.EndsIn(requestPath, "messages"),
            _ => true,
        };
    }

    /// <summary>
    /// The body as sent upstream to <paramref name="entry"/> under <paramref name="degrade"/> (the decision's route, else
    /// the entry's), or null when it goes as it is. <paramref name="parsed"/> is <paramref name="requestBody"/> as the
    /// caller already parsed it, or Undefined (the body is parsed here). <paramref name="generates"/> says the request asks
    /// the model for an answer (<see cref="Generates"/>): only such a request has a route cap added where it named none.
    /// Throws <see cref="JsonException"/> when a body that would be rewritten is not a JSON object.
    /// </summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> requestBody, JsonElement parsed, ModelApi api, CatalogEntry entry, DegradeSpec? degrade, bool generates = true)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var routed = degrade?.Mode == DegradeMode.Route;
        var asksForUsage = api == ModelApi.OpenAIChatCompletions;
        if (!routed && !asksForUsage)
        {
            return null;
        }

        var request = parsed.ValueKind == JsonValueKind.Undefined ? JsonElement.Parse(requestBody) : parsed;
        if (request.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A model request body must be a JSON object.");
        }

        // A chat completion that does not stream, sent as it is (the most common call), builds no tree.
        var streamed = asksForUsage && IsStreaming(request);
        if (!routed && !streamed)
        {
            return null;
        }

        // The usage ask alone (no stream_options yet, no route): spliced into the bytes as they came, no tree, nothing re-encoded.
        if (!routed && !request.TryGetProperty("stream_options", out _) && WithUsageAsk(requestBody) is { } spliced)
        {
            return spliced;
        }

        var root = JsonObject.Create(request)!;
        var changed = routed && Route(root, degrade!.Route?.Model ?? entry.Degrade?.Route?.Model, degrade.Route?.MaxTokens ?? entry.Degrade?.Route?.MaxTokens, api, generates);

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

    /// <summary><paramref name="body"/> with the usage ask added as its last member; null unless it reads strictly as one object.</summary>
    private static byte[]? WithUsageAsk(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        int start, end;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            start = (int)reader.TokenStartIndex;
            reader.Skip();
            end = (int)reader.TokenStartIndex;
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        var ask = body[(start + 1)..end].Trim(" \t\r\n"u8).IsEmpty ? UsageAsk[1..] : UsageAsk;
        var spliced = new byte[body.Length + ask.Length];
        body[..end].CopyTo(spliced);
        ask.CopyTo(spliced.AsSpan(end));
        body[end..].CopyTo(spliced.AsSpan(end + ask.Length));
        return spliced;
    }

    private static ReadOnlySpan<byte> UsageAsk => ""","stream_options":{"include_usage":true}"""u8;

    private static bool Route(JsonObject root, string? model, int? maxTokens, ModelApi api, bool generates)
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

        if (!any && generates)
        {
            root[MaxTokensEstimator.OwnMemberName(api)] = cap;
        }

        return true;
    }
}
