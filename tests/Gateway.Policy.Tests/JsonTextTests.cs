using System.Text;
using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tests;

/// <summary>
/// The one rule every reader of a request body applies (issue #68): its strings and member names are text, UTF-8 with
/// no lone UTF-16 surrogate escaped, else a <see cref="JsonException"/> (the reader's malformed body), never the
/// <see cref="InvalidOperationException"/> System.Text.Json throws when such a string is read.
/// </summary>
public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"x":"\ud800"}""", 6)]
    [InlineData("""{"x":"\udc00"}""", 6)]
    [InlineData("""{"\ud800":1}""", 2)]
    [InlineData("""{"\udfff":1}""", 2)]
    [InlineData("""{"x":"a\ud800\u0041"}""", 7)]
    [InlineData("""{"x":"\ud800\ud800"}""", 6)]
    [InlineData("""{"x":"\ud83d\ude00\udc00"}""", 18)]
    [InlineData("""{"x":"\uD800"}""", 6)]
    [InlineData("""["ok",{"a":["\\","\ud800"]}]""", 18)]
    [InlineData("""{"x":"\ud800""", 6)]
    public void ThrowIfNotText_LoneSurrogateEscape_ThrowsJsonExceptionAtIt(string json, int at)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var thrown = Assert.Throws<JsonException>(() => JsonText.ThrowIfNotText(bytes));

        Assert.False(JsonText.IsText(bytes));
        Assert.Contains("lone UTF-16 surrogate", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0, thrown.LineNumber);
        Assert.Equal(at, thrown.BytePositionInLine);
    }

    [Fact]
    public void ThrowIfNotText_OnALaterLine_NamesTheLineAndTheByteInIt()
    {
        var thrown = Assert.Throws<JsonException>(() => JsonText.ThrowIfNotText("{\n  \"a\": 1,\n  \"b\": \"\\udc00\"\n}"u8));

        Assert.Equal(2, thrown.LineNumber);
        Assert.Equal(8, thrown.BytePositionInLine);
    }

    [Fact]
    public void ThrowIfNotText_BytesThatAreNotUtf8_ThrowsJsonExceptionAtThem()
    {
        byte[] json = [.. "{\"x\":\"ab"u8, 0xff, 0xfe, .. "\"}"u8];

        var thrown = Assert.Throws<JsonException>(() => JsonText.ThrowIfNotText(json));

        Assert.Equal("The body is not UTF-8 text.", thrown.Message);
        Assert.Equal(8, thrown.BytePositionInLine);
    }

    [Theory]
    [InlineData("""{"x":"\ud83d\ude00","\uD834\uDD1E":"\u00e9\n\\ud800\/"}""")]
    [InlineData("""{"x":"\\\ud83d\ude00"}""")]
    [InlineData("""{"x":"😀 é 日本"}""")]
    [InlineData("""{"x":"\uffff\ue000\u0000"}""")]
    [InlineData("")]
    [InlineData("not json \\")]
    [InlineData("""{"x":"\u12"}""")]
    public void IsText_TextOrJsonTheParserRefuses_IsTrueAndReadable(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        JsonText.ThrowIfNotText(bytes);

        Assert.True(JsonText.IsText(bytes));
    }

    [Theory]
    [InlineData("""{"x":"\ud800"}""")]
    [InlineData("""{"\udc00":"y"}""")]
    public void SystemTextJson_LoneSurrogateEscape_ParsesButThrowsWhenRead(string json)
    {
        // Why the rule exists: the parse accepts the body, reading the string throws something no reader catches.
        using var document = JsonDocument.Parse(json);

        Assert.Throws<InvalidOperationException>(() => document.RootElement.EnumerateObject().Select(static p => p.Name + p.Value.GetString()).ToList());
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"a":{"b":1,"b":1}}""")]
    [InlineData("""{"a":"\ud800"}""")]
    [InlineData("""[[[1]]]""")]
    [InlineData("""{"a":""")]
    public void ParseStrict_RepeatedMemberNotTextTooDeepOrBroken_ThrowsJsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonText.ParseStrict(Encoding.UTF8.GetBytes(json), maxDepth: 2));

    [Fact]
    public void ParseStrict_StrictJson_IsReadableAfterTheBytesAreGone()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"a":[1,"\ud83d\ude00"],"b":{"c":null}}""");

        var root = JsonText.ParseStrict(bytes, maxDepth: 3);
        Array.Clear(bytes);

        Assert.Equal("\U0001F600", root.GetProperty("a")[1].GetString());
    }

    [Fact]
    public void ParseStrict_NoDepthNamed_TakesRequestBodyDepthAndNoMore()
    {
        static byte[] Nested(int depth) => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));

        Assert.Equal(JsonValueKind.Array, JsonText.ParseStrict(Nested(JsonText.RequestBodyDepth)).ValueKind);
        Assert.ThrowsAny<JsonException>(() => JsonText.ParseStrict(Nested(JsonText.RequestBodyDepth + 1)));
    }
}
