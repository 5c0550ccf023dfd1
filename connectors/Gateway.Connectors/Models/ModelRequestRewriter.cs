using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Connectors.Models;

/// <summary>
/// Rewrites a model request body (UTF-8 JSON) for the <c>route</c> degrade form: the model replaced by the
/// route model, and every token ceiling (<c>max_tokens</c>, <c>max_completion_tokens</c>, <c>max_output_tokens</c>)
/// capped; when the request names none, the API's own ceiling is added at the cap.
/// </summary>
public static class ModelRequestRewriter
{
    /// <summary>The rewritten body. Throws <see cref="JsonException"/> when the body is not a JSON object.</summary>
    public static byte[] Route(ReadOnlySpan<byte> requestBody, string? model, int? maxTokens, ModelApi api)
    {
        var root = Parse(requestBody);
        if (!string.IsNullOrWhiteSpace(model))
        {
            root["model"] = model;
        }

        if (maxTokens is { } cap)
        {
            var any = false;
            foreach (var name in MaxTokensEstimator.MemberNames)
            {
                if (root[name] is JsonValue value && value.TryGetValue<long>(out var current))
                {
                    root[name] = Math.Min(current, cap);
                    any = true;
                }
                else if (root[name] is not null)
                {
                    root[name] = cap;
                    any = true;
                }
            }

            if (!any)
            {
                root[api switch
                {
                    ModelApi.OpenAIResponses => "max_output_tokens",
                    ModelApi.AnthropicMessages => "max_tokens",
                    _ => "max_completion_tokens",
                }] = cap;
            }
        }

        return Serialize(root);
    }

    /// <summary>
    /// For a streamed OpenAI chat request, asks for usage in the final chunk (<c>stream_options.include_usage</c>).
    /// Returns the body unchanged when it does not stream.
    /// </summary>
    public static byte[] EnsureStreamUsage(ReadOnlySpan<byte> requestBody)
    {
        var root = Parse(requestBody);
        if (root["stream"] is JsonValue stream && stream.TryGetValue<bool>(out var streaming) && streaming)
        {
            if (root["stream_options"] is not JsonObject options)
            {
                options = [];
                root["stream_options"] = options;
            }

            options["include_usage"] = true;
        }

        return Serialize(root);
    }

    /// <summary>True when the body asks for a streamed response (<c>"stream": true</c>).</summary>
    public static bool IsStreaming(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;

    private static JsonObject Parse(ReadOnlySpan<byte> requestBody) =>
        JsonNode.Parse(requestBody) as JsonObject ?? throw new JsonException("A model request body must be a JSON object.");

    private static byte[] Serialize(JsonObject root) => JsonSerializer.SerializeToUtf8Bytes(root, ConnectorsJsonContext.Default.JsonObject);
}
