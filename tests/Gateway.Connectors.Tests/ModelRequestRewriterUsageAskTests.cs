using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Tests;

/// <summary>The usage ask of a streamed chat completion: spliced into the bytes as sent, the same request as the tree writes.</summary>
public sealed class ModelRequestRewriterUsageAskTests
{
    private static readonly CatalogEntry Entry = new() { Name = "llm", Kind = ConnectorKind.OpenAI, ActionType = ActionType.ModelInference };

    public static TheoryData<string> Streamed => new()
    {
        """{"model":"m","stream":true}""",
        """{"stream":true}""",
        "{ \"model\" : \"m\",\n  \"stream\" : true\n}\n\t \r\n",
        "\t{\"stream\":true   }",
        """{"stream":true,"messages":[{"role":"user","content":"héllo ✓ 😀 \u00e9 \"q\" } ]"}]}""",
        """{"stream":true,"x":{},"y":[],"z":{"a":{"b":[1,{}]}}}""",
        """{"stream":true,"temperature":1.0E0,"n":10000000000000000000000,"s":"\ud83d\ude00\/"}""",
    };

    [Theory]
    [MemberData(nameof(Streamed))]
    public void Rewrite_StreamedWithoutStreamOptions_SameRequestAsTheTree(string body)
    {
        var rewritten = ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, ModelApi.OpenAIChatCompletions, Entry, degrade: null);

        var expected = JsonNode.Parse(body)!.AsObject();
        expected["stream_options"] = new JsonObject { ["include_usage"] = true };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(rewritten!)), Encoding.UTF8.GetString(rewritten!));
    }

    [Theory]
    [MemberData(nameof(Streamed))]
    public void Rewrite_StreamedWithoutStreamOptions_KeepsTheBytesAsSent(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var parsed = JsonDocument.Parse(bytes);

        var rewritten = ModelRequestRewriter.Rewrite(bytes, parsed.RootElement, ModelApi.OpenAIChatCompletions, Entry, degrade: null)!;

        var end = body.LastIndexOf('}');
        var ask = body[..end].TrimEnd().EndsWith('{') ? "\"stream_options\":{\"include_usage\":true}" : ",\"stream_options\":{\"include_usage\":true}";
        Assert.Equal(body[..end] + ask + body[end..], Encoding.UTF8.GetString(rewritten));
    }

    [Theory]
    [InlineData("""{"stream":true,"stream_options":null}""")]
    [InlineData("""{"stream":true,"stream_options":{"include_usage":false,"x":1}}""")]
    [InlineData("""{"stream":true,"stream_options":"no"}""")]
    public void Rewrite_StreamedWithStreamOptions_AsksForUsageOnce(string body)
    {
        using var rewritten = JsonDocument.Parse(ModelRequestRewriter.Rewrite(Encoding.UTF8.GetBytes(body), default, ModelApi.OpenAIChatCompletions, Entry, degrade: null)!);

        Assert.Single(rewritten.RootElement.EnumerateObject(), p => p.Name == "stream_options");
        Assert.True(rewritten.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }
}
