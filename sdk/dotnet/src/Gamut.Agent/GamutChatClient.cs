using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Gamut.Agent;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="IChatClient"/> over the gateway's governed model action
/// (<c>/v1/actions/model</c>): OpenAI-style chat requests through the named model connector, whose key the
/// gateway holds. Function tools in <see cref="ChatOptions.Tools"/> are offered to the model; wrap this
/// client in a <c>FunctionInvokingChatClient</c> with <see cref="GamutToolFunction"/>s for an agent loop.
/// </summary>
public sealed class GamutChatClient : IChatClient
{
    private readonly GamutClient _gamut;
    private readonly string _connector;
    private readonly string _defaultModel;
    private readonly ChatClientMetadata _metadata;

    public GamutChatClient(GamutClient gamut, string defaultModel, string connector = "openai")
    {
        ArgumentNullException.ThrowIfNull(gamut);
        ArgumentException.ThrowIfNullOrEmpty(defaultModel);
        _gamut = gamut;
        _connector = connector;
        _defaultModel = defaultModel;
        _metadata = new ChatClientMetadata("gamut", gamut.ProviderUri(connector), defaultModel);
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = new JsonObject { ["model"] = options?.ModelId ?? _defaultModel, ["messages"] = ToWire(messages) };
        if (options?.Temperature is { } temperature)
        {
            request["temperature"] = temperature;
        }

        if (options?.MaxOutputTokens is { } maxTokens)
        {
            request["max_tokens"] = maxTokens;
        }

        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (tools.Count > 0)
        {
            request["tools"] = new JsonArray([.. tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = JsonNode.Parse(t.JsonSchema.GetRawText()) },
            })]);
        }

        var action = await _gamut.ModelAsync(_connector, request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return FromWire(action);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The governed model action answers once; its one response is yielded as updates.
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static JsonArray ToWire(IEnumerable<ChatMessage> messages)
    {
        var wire = new JsonArray();
        foreach (var message in messages)
        {
            var results = message.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                foreach (var result in results)
                {
                    wire.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = result.CallId,
                        ["content"] = result.Result switch
                        {
                            null => string.Empty,
                            string resultText => resultText,
                            JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText(),
                            var other => JsonSerializer.Serialize(other, other.GetType(), AIJsonUtilities.DefaultOptions),
                        },
                    });
                }

                continue;
            }

            var item = new JsonObject { ["role"] = message.Role.Value };
            var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            item["content"] = text.Length > 0 || calls.Count == 0 ? text : null;
            if (calls.Count > 0)
            {
                item["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
                {
                    ["id"] = c.CallId,
                    ["type"] = "function",
                    ["function"] = new JsonObject
                    {
                        ["name"] = c.Name,
                        ["arguments"] = JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions),
                    },
                })]);
            }

            wire.Add(item);
        }

        return wire;
    }

    private static ChatResponse FromWire(GamutDecision action)
    {
        if (action.Result is not { ValueKind: JsonValueKind.Object } result
            || !result.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            throw new GamutProtocolException("The model connector answered without choices.");
        }

        var message = choices[0].GetProperty("message");
        var contents = new List<AIContent>();
        if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
        {
            contents.Add(new TextContent(text));
        }

        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                var arguments = function.TryGetProperty("arguments", out var a) && a.GetString() is { Length: > 0 } json
                    ? JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions)
                    : [];
                contents.Add(new FunctionCallContent(call.GetProperty("id").GetString()!, function.GetProperty("name").GetString()!, arguments));
            }
        }

        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = result.TryGetProperty("model", out var model) ? model.GetString() : null,
            ResponseId = result.TryGetProperty("id", out var id) ? id.GetString() : null,
        };
        if (result.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            response.Usage = new UsageDetails
            {
                InputTokenCount = usage.TryGetProperty("prompt_tokens", out var p) ? p.GetInt64() : null,
                OutputTokenCount = usage.TryGetProperty("completion_tokens", out var c) ? c.GetInt64() : null,
                TotalTokenCount = usage.TryGetProperty("total_tokens", out var t) ? t.GetInt64() : null,
            };
        }

        return response;
    }
}
