using System.Text;
using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Models;
using Gateway.Connectors.Results;
using Gateway.Policy;

namespace Gateway.Connectors.Tests;

public sealed class ModelTests
{
    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""", 10, 5)]
    [InlineData("""{"object":"response","usage":{"input_tokens":7,"output_tokens":3,"total_tokens":10}}""", 7, 3)]
    [InlineData("""{"type":"message","usage":{"input_tokens":4,"cache_creation_input_tokens":2,"cache_read_input_tokens":1,"output_tokens":9}}""", 7, 9)]
    public void UsageReader_Json(string json, long input, long output) =>
        Assert.Equal((input, output), ModelUsageReader.FromJson(Encoding.UTF8.GetBytes(json), ConnectorKind.Anthropic) is { } usage ? (usage.InputTokens, usage.OutputTokens) : default);

    [Fact]
    public void UsageReader_ResponsesApiStream_ReadsCompletedEvent()
    {
        var sse = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\n"
            + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":20,\"output_tokens\":6}}}\n\n";
        Assert.Equal(new ModelUsage(20, 6), ModelUsageReader.FromSse(Encoding.UTF8.GetBytes(sse), ConnectorKind.OpenAI));
        Assert.Null(ModelUsageReader.FromSse("data: [DONE]\n\n"u8, ConnectorKind.OpenAI));
    }

    [Fact]
    public void UsageReader_StreamWithCrLineEndsAndDataOverSeveralLines_ReadsTheJoinedData()
    {
        var sse = "data: {\"type\":\"message_start\",\r\ndata: \"message\":{\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\r\n\r\n"
            + "event: message_delta\rdata: {\"usage\":{\"output_tokens\":4}}\r\r";

        Assert.Equal(new ModelUsage(9, 4), ModelUsageReader.FromSse(Encoding.UTF8.GetBytes(sse), ConnectorKind.Anthropic));
    }

    [Theory]
    [InlineData("""{"choices":[{"delta":{"content":"the usage was high"}}]}""")]
    [InlineData("""{"choices":[{"delta":{"content":"usage"}}]}""")]
    [InlineData("""{"usage":"none"}""")]
    [InlineData("""{"usage":{"prompt_tokens":"ten"}}""")]
    [InlineData("""{"usage":{"prompt_tokens":1""")]
    [InlineData("[DONE]")]
    public void FromJson_NoUsageObject_ReportsNone(string json)
    {
        Assert.Null(ModelUsageReader.FromJson(Encoding.UTF8.GetBytes(json), ConnectorKind.OpenAI));
        Assert.Null(ModelUsageReader.FromSse(Encoding.UTF8.GetBytes("data: " + json + "\n\n"), ConnectorKind.OpenAI));
    }

    [Fact]
    public void FromSse_AnthropicStream_KeepsTheLargestCounts()
    {
        var sse = """
            data: {"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}

            data: {"type":"content_block_delta","delta":{"text":"no \u0075sage here"}}

            data:   {"type":"message_delta","usage":{"output_tokens":15}}


            """;

        Assert.Equal(new ModelUsage(25, 15), ModelUsageReader.FromSse(Encoding.UTF8.GetBytes(sse), ConnectorKind.Anthropic));
    }

    [Theory]
    [InlineData(false, """{"type":"message_stop"}""")]
    [InlineData(false, "[DONE]")]
    [InlineData(false, " [DONE] ")]
    [InlineData(false, """{"type":"response.completed","response":{"usage":{"input_tokens":25,"output_tokens":15}}}""")]
    [InlineData(false, """{"type":"message\u005fstop"}""")]
    [InlineData(true, """{"type":"content_block_delta","delta":{"text":"message_stop"}}""")]
    [InlineData(true, """{"type":"content_block_stop"}""")]
    [InlineData(true, """{"delta":{"type":"message_stop"}}""")]
    public void FromSse_AnthropicStreamEndingWith_CutUnlessItsTerminalEventCame(bool cut, string last)
    {
        var sse = "data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\ndata: " + last + "\n\n";

        var usage = ModelUsageReader.FromSse(Encoding.UTF8.GetBytes(sse), ConnectorKind.Anthropic, out var wasCut);

        Assert.Equal(cut, wasCut);
        Assert.NotNull(usage);
    }

    [Fact]
    public void ObserveScanned_WholeJsonBody_NeverCut()
    {
        var scanner = new JsonUsageScanner(ConnectorKind.OpenAI);
        scanner.Write("""{"usage":{"prompt_tokens":5}}"""u8);
        scanner.Complete();
        var accumulator = new ModelUsageAccumulator(ConnectorKind.OpenAI);

        accumulator.ObserveScanned(scanner, streamed: false);

        Assert.False(accumulator.StreamCut);
        Assert.Equal(new ModelUsage(5, 0), accumulator.Usage);
    }

    [Fact]
    public void UsageReader_HugeCounts_NeverWrapNegative()
    {
        var usage = ModelUsageReader.FromJson("""{"usage":{"prompt_tokens":9223372036854775807,"cache_read_input_tokens":9223372036854775807,"completion_tokens":9223372036854775807}}"""u8, ConnectorKind.Anthropic)!;

        Assert.Equal(2 * MaxTokensEstimator.MaxCeiling, usage.InputTokens);
        Assert.True(usage.TotalTokens > 0);
    }

    [Fact]
    public void UsageReader_NegativeCount_ReadAsNoCount() =>
        Assert.Equal(new ModelUsage(5, 0), ModelUsageReader.FromJson("""{"usage":{"prompt_tokens":5,"completion_tokens":-1000000}}"""u8, ConnectorKind.OpenAI));

    [Theory]
    [InlineData("""{"max_tokens":300}""", 300)]
    [InlineData("""{"max_completion_tokens":200}""", 200)]
    [InlineData("""{"max_output_tokens":100}""", 100)]
    [InlineData("""{"messages":[]}""", 1234)]
    [InlineData("not json", 1234)]
    [InlineData("""{"max_tokens":9223372036854775807}""", MaxTokensEstimator.MaxCeiling)]
    [InlineData("""{"max_tokens":1e5}""", 100000)]
    [InlineData("""{"max_completion_tokens":100000.5}""", 100001)]
    [InlineData("""{"max_tokens":1e300}""", MaxTokensEstimator.MaxCeiling)]
    [InlineData("""{"max_tokens":-5e3}""", 1234)]
    [InlineData("""{"max_tokens":4096,"n":128}""", 524288)]
    [InlineData("""{"max_tokens":10,"n":2,"best_of":5}""", 50)]
    [InlineData("""{"n":3}""", 3702)]
    [InlineData("""{"max_tokens":1099511627776,"n":1000000}""", MaxTokensEstimator.MaxCeiling)]
    public void MaxTokensEstimator_ReadsCeilingOrDefault(string body, long expected) =>
        Assert.Equal(expected, new MaxTokensEstimator(1234).Estimate(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("""{"max_tokens":1}""", ModelApi.OpenAIResponses, 1234)]
    [InlineData("""{"max_output_tokens":1}""", ModelApi.OpenAIChatCompletions, 1234)]
    [InlineData("""{"max_completion_tokens":1}""", ModelApi.AnthropicMessages, 1234)]
    [InlineData("""{"max_output_tokens":100}""", ModelApi.OpenAIResponses, 100)]
    [InlineData("""{"max_tokens":5,"max_completion_tokens":300}""", ModelApi.OpenAIChatCompletions, 300)]
    public void MaxTokensEstimator_ACeilingTheApiDoesNotRead_IsNoCeiling(string body, ModelApi api, long expected)
    {
        using var document = JsonDocument.Parse(body);

        Assert.Equal(expected, new MaxTokensEstimator(1234).Estimate(document.RootElement, api));
    }

    [Fact]
    public void Rewrite_RouteOverACeilingTheApiDoesNotRead_AddsTheApisOwn()
    {
        using var routed = JsonDocument.Parse(ModelRequestRewriter.Rewrite("""{"model":"big","input":"x","max_tokens":1}"""u8, default,
            ModelApi.OpenAIResponses, Model(new DegradeRoute { MaxTokens = 64 }), RouteDegrade)!);

        Assert.Equal(64, routed.RootElement.GetProperty("max_output_tokens").GetInt32());
        Assert.Equal(1, routed.RootElement.GetProperty("max_tokens").GetInt32());
    }

    private static CatalogEntry Model(DegradeRoute? route = null) => new()
    {
        Name = "llm",
        Kind = ConnectorKind.OpenAI,
        ActionType = ActionType.ModelInference,
        Degrade = route is null ? null : new DegradeSpec { Mode = DegradeMode.Route, Route = route },
    };

    private static readonly DegradeSpec RouteDegrade = new() { Mode = DegradeMode.Route };

    [Fact]
    public void Rewrite_Route_CapsEveryCeilingAndAddsOneWhenMissing()
    {
        using var capped = JsonDocument.Parse(ModelRequestRewriter.Rewrite("""{"model":"big","max_tokens":50,"max_completion_tokens":9000}"""u8, default,
            ModelApi.OpenAIChatCompletions, Model(), new DegradeSpec { Mode = DegradeMode.Route, Route = new DegradeRoute { Model = "small", MaxTokens = 100 } })!);
        Assert.Equal("small", capped.RootElement.GetProperty("model").GetString());
        Assert.Equal(50, capped.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(100, capped.RootElement.GetProperty("max_completion_tokens").GetInt32());

        // The decision names no route: the entry's own applies.
        using var added = JsonDocument.Parse(ModelRequestRewriter.Rewrite("""{"model":"big","input":"x"}"""u8, default, ModelApi.OpenAIResponses, Model(new DegradeRoute { MaxTokens = 64 }), RouteDegrade)!);
        Assert.Equal("big", added.RootElement.GetProperty("model").GetString());
        Assert.Equal(64, added.RootElement.GetProperty("max_output_tokens").GetInt32());

        Assert.Throws<JsonException>(() => ModelRequestRewriter.Rewrite("[1]"u8, default, ModelApi.AnthropicMessages, Model(new DegradeRoute { Model = "m" }), RouteDegrade));
    }

    [Theory]
    [InlineData("""{"model":"big","n":128,"max_tokens":5000}""")]
    [InlineData("""{"model":"big","best_of":20,"n":"4"}""")]
    public void Rewrite_RouteWithACap_AsksForOneAnswerNotManyAtTheCap(string body)
    {
        using var routed = JsonDocument.Parse(ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, ModelApi.OpenAIChatCompletions,
            Model(new DegradeRoute { MaxTokens = 100 }), RouteDegrade)!);

        foreach (var name in (string[])["n", "best_of"])
        {
            if (routed.RootElement.TryGetProperty(name, out var answers))
            {
                Assert.Equal(1, answers.GetInt32());
            }
        }

        Assert.Equal(100, new MaxTokensEstimator().Estimate(routed.RootElement));
    }

    [Theory]
    [InlineData("""{"model":"big","prompt":"x"}""")]
    [InlineData("""{"model":"big","prompt":"x","max_completion_tokens":9000}""")]
    [InlineData("""{"model":"big","prompt":"x","max_tokens":9000}""")]
    public void Rewrite_RouteWithACapOnLegacyCompletions_CapsMaxTokens(string body)
    {
        var api = ConnectorTypes.Of(ConnectorKind.OpenAI).ModelApiFor("/providers/llm/v1/completions")!.Value;

        using var routed = JsonDocument.Parse(ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, api,
            Model(), new DegradeSpec { Mode = DegradeMode.Route, Route = new DegradeRoute { Model = "small", MaxTokens = 100 } })!);

        Assert.Equal(100, routed.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(100, new MaxTokensEstimator().Estimate(routed.RootElement, api));
        using var unread = JsonDocument.Parse("""{"max_completion_tokens":50,"max_tokens":9000}""");
        Assert.Equal(9000, new MaxTokensEstimator().Estimate(unread.RootElement, api));
    }

    [Theory]
    [InlineData(ModelApi.OpenAIChatCompletions, "/v1/chat/completions", true)]
    [InlineData(ModelApi.OpenAIChatCompletions, "/v1/embeddings", false)]
    [InlineData(ModelApi.OpenAIChatCompletions, "/v1/moderations/", false)]
    [InlineData(ModelApi.OpenAIResponses, "/v1/responses", true)]
    [InlineData(ModelApi.OpenAICompletions, "/v1/completions", true)]
    [InlineData(ModelApi.AnthropicMessages, "/v1/messages", true)]
    [InlineData(ModelApi.AnthropicMessages, "/v1/messages/count_tokens", false)]
    [InlineData(ModelApi.AnthropicMessages, "/v1/messages/batches", false)]
    [InlineData(ModelApi.AnthropicMessages, "/v1/Messages//", true)]
    [InlineData(ModelApi.AnthropicMessages, "/v1/batchmessages", false)]
    [InlineData(ModelApi.OpenAIChatCompletions, "chat/completions", true)]
    [InlineData(ModelApi.OpenAIChatCompletions, "/v1/groupchat/completions", false)]
    public void Generates_ByPath_OnlyRequestsThatAskForAnAnswer(ModelApi api, string path, bool generates) =>
        Assert.Equal(generates, ModelRequestRewriter.Generates(api, path));

    /// <summary>A request that names no ceiling goes as sent (an API that does not know the member refuses it: Azure's chat on max_completion_tokens).</summary>
    [Theory]
    [InlineData("""{"model":"big","messages":[]}""", ModelApi.OpenAIChatCompletions)]
    [InlineData("""{"model":"big","prompt":"x"}""", ModelApi.OpenAICompletions)]
    [InlineData("""{"model":"big","input":"x"}""", ModelApi.OpenAIResponses)]
    public void Rewrite_NoCeilingAndNoRoute_GoesAsSent(string body, ModelApi api) =>
        Assert.Null(ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, api, Model(), degrade: null));

    /// <summary>A route cap is added only to a request that asks for an answer: embeddings and token counts refuse a ceiling.</summary>
    [Fact]
    public void Rewrite_RouteCapOnARequestThatAsksForNoAnswer_AddsNoCeiling()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"text-embedding-3-small","input":"x"}""");

        using var routed = JsonDocument.Parse(ModelRequestRewriter.Rewrite(body, default, ModelApi.OpenAIChatCompletions,
            Model(new DegradeRoute { MaxTokens = 100 }), RouteDegrade, generates: false)!);

        Assert.All(MaxTokensEstimator.MemberNames, name => Assert.False(routed.RootElement.TryGetProperty(name, out _)));
    }

    [Theory]
    [InlineData("""{"model":"big","max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"model":"big","max_completion_tokens":0}""", "max_completion_tokens")]
    [InlineData("""{"model":"big","max_tokens":-1,"max_completion_tokens":-100}""", "max_completion_tokens")]
    public void Rewrite_RouteCapWithNegativeCeiling_SendsTheCap(string body, string ceiling)
    {
        using var routed = JsonDocument.Parse(ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, ModelApi.OpenAIChatCompletions,
            Model(new DegradeRoute { MaxTokens = 100 }), RouteDegrade)!);

        Assert.Equal(100, routed.RootElement.GetProperty(ceiling).GetInt64());
        Assert.All(routed.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number), p => Assert.InRange(p.Value.GetInt64(), 1, 100));
    }

    [Fact]
    public void Rewrite_StreamedChatCompletion_AsksForUsageInTheSameWrite()
    {
        using var both = JsonDocument.Parse(ModelRequestRewriter.Rewrite("""{"model":"big","stream":true}"""u8, default, ModelApi.OpenAIChatCompletions, Model(new DegradeRoute { Model = "small" }), RouteDegrade)!);

        Assert.Equal("small", both.RootElement.GetProperty("model").GetString());
        Assert.True(both.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Theory]
    [InlineData("""{"model":"big","stream":false,"max_tokens":5}""", ModelApi.OpenAIChatCompletions)]
    [InlineData("""{"model":"big","stream":true,"max_output_tokens":5}""", ModelApi.OpenAIResponses)]
    [InlineData("""{"model":"big","stream":true,"max_tokens":5}""", ModelApi.AnthropicMessages)]
    [InlineData("not json", ModelApi.AnthropicMessages)]
    [InlineData("[1]", ModelApi.OpenAIResponses)]
    public void Rewrite_NothingToChange_Null(string body, ModelApi api) =>
        Assert.Null(ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, api, Model(), degrade: null));

    [Theory]
    [InlineData("""{"model":"big","max_tokens":5,"stream":true,"stream_options":{"x":1}}""")]
    [InlineData("""{"model":"big","max_tokens":5,"stream":false}""")]
    [InlineData("""{"model":"big","max_tokens":5}""")]
    public void Rewrite_ParsedByTheCaller_SameAsParsedHere(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var parsed = JsonDocument.Parse(bytes);

        var fromParse = ModelRequestRewriter.Rewrite(bytes, parsed.RootElement, ModelApi.OpenAIChatCompletions, Model(), degrade: null);
        var fromBytes = ModelRequestRewriter.Rewrite(bytes, default, ModelApi.OpenAIChatCompletions, Model(), degrade: null);

        Assert.Equal(fromBytes is null ? null : Encoding.UTF8.GetString(fromBytes), fromParse is null ? null : Encoding.UTF8.GetString(fromParse));
        Assert.Equal(body.Contains("\"stream\":true", StringComparison.Ordinal), fromParse is not null);
    }

    [Fact]
    public void Rewrite_ParsedNotAnObject_Throws()
    {
        using var parsed = JsonDocument.Parse("[1]");

        Assert.Throws<JsonException>(() => ModelRequestRewriter.Rewrite("[1]"u8, parsed.RootElement, ModelApi.OpenAIChatCompletions, Model(), degrade: null));
    }

    [Fact]
    public void JsonUsageTap_UsageAfterOneMebibyteOfLogprobs_IsRead()
    {
        // An answer with top_logprobs: over 1 MiB of logprobs before the usage, which the provider bills.
        var logprobs = string.Join(',', Enumerable.Range(0, 12_000).Select(i => $$"""{"token":"t{{i}}","logprob":-0.5,"top_logprobs":[{"token":"a","logprob":-1.25},{"token":"b","logprob":-2.5}]}"""));
        var body = Encoding.UTF8.GetBytes($$$"""{"id":"resp_1","output":[{"type":"message","content":[{"type":"output_text","text":"{{{new string('x', 300_000)}}}","logprobs":[{{{logprobs}}}]}]}],"usage":{"input_tokens":150000,"output_tokens":1200,"output_tokens_details":{"reasoning_tokens":0}},"status":"completed"}""");
        Assert.True(body.Length > 1024 * 1024, $"{body.Length} bytes");
        var usage = new ModelUsageAccumulator(ConnectorKind.OpenAI);
        var tap = new JsonUsageTap(usage);
        var forwarded = new System.Buffers.ArrayBufferWriter<byte>();

        for (var offset = 0; offset < body.Length; offset += 16 * 1024)
        {
            tap.Write(body.AsSpan(offset, Math.Min(16 * 1024, body.Length - offset)), forwarded);
        }

        tap.Complete(forwarded);

        Assert.Equal(new ModelUsage(150000, 1200), usage.Usage);
        Assert.True(body.AsSpan().SequenceEqual(forwarded.WrittenSpan));
    }

    [Fact]
    public void Utf8Boundary_NeverSplitsACharacter()
    {
        var bytes = Encoding.UTF8.GetBytes("aé€𝄞");
        for (var length = 0; length <= bytes.Length; length++)
        {
            var cut = Utf8Boundary.LastCompleteLength(bytes.AsSpan(0, length));
            Assert.True(cut <= length);
            Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(bytes, 0, cut));
            Assert.True(length - cut < 4);
        }
    }
}
