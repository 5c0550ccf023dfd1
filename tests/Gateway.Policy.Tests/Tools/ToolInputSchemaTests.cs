using System.Text.Json;
using Gateway.Policy.Tools;

namespace Gateway.Policy.Tests.Tools;

public sealed class ToolInputSchemaTests
{
    private const string Refund = """
        {"type":"object","properties":{
          "order_id":{"type":"string","pattern":"^o-[0-9]+$"},
          "amount":{"type":"number","minimum":0,"maximum":500},
          "reason":{"type":"string","maxLength":5},
          "lines":{"type":"array","items":{"$ref":"#/$defs/line"},"maxItems":2},
          "mode":{"enum":["full","partial"]}},
         "required":["order_id","amount"],"additionalProperties":false,
         "$defs":{"line":{"type":"object","properties":{"sku":{"type":"string"}},"required":["sku"]}}}
        """;

    [Fact]
    public void Check_SoundSchema_HasNoErrors() => Assert.Empty(ToolInputSchema.Check(Json(Refund)));

    [Theory]
    [InlineData("""{"type":"array"}""", "type: object")]
    [InlineData("""{"type":"object","properties":{"x":{"type":"strng"}}}""", "$.properties.x.type")]
    [InlineData("""{"type":"object","required":["y"],"properties":{}}""", "'y' is required but not among the properties")]
    [InlineData("""{"type":"object","propertees":{}}""", "'propertees' is not a keyword")]
    [InlineData("""{"type":"object","properties":{"x":{"$ref":"#/$defs/none"}}}""", "$ref names a schema")]
    [InlineData("""{"type":"object","properties":{"x":{"pattern":"("}}}""", "pattern is a regular expression")]
    public void Check_BrokenSchema_SaysWhere(string schema, string error) =>
        Assert.Contains(ToolInputSchema.Check(Json(schema)), e => e.Contains(error, StringComparison.Ordinal));

    [Fact]
    public void Check_TooDeep_IsRefused()
    {
        var schema = string.Concat(Enumerable.Repeat("""{"type":"object","properties":{"x":""", 40)) + "{}" + new string('}', 80);

        Assert.Contains(ToolInputSchema.Check(Json(schema)), e => e.Contains("nested deeper", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_FittingArguments_HasNoErrors() =>
        Assert.Empty(ToolInputSchema.Validate(Json(Refund), Json("""{"order_id":"o-7","amount":12.5,"lines":[{"sku":"a"}],"mode":"full"}""")));

    [Theory]
    [InlineData("""{"amount":1}""", "$.order_id: required")]
    [InlineData("""{"order_id":"x","amount":1}""", "$.order_id: does not match the pattern")]
    [InlineData("""{"order_id":"o-1","amount":501}""", "$.amount: above the maximum")]
    [InlineData("""{"order_id":"o-1","amount":"1"}""", "$.amount: expected number, got string")]
    [InlineData("""{"order_id":"o-1","amount":1,"reason":"too long"}""", "$.reason: at most 5 characters")]
    [InlineData("""{"order_id":"o-1","amount":1,"lines":[{}]}""", "$.lines[0].sku: required")]
    [InlineData("""{"order_id":"o-1","amount":1,"lines":[{"sku":"a"},{"sku":"b"},{"sku":"c"}]}""", "$.lines: at most 2 items")]
    [InlineData("""{"order_id":"o-1","amount":1,"mode":"all"}""", "$.mode: not one of the allowed values")]
    [InlineData("""{"order_id":"o-1","amount":1,"extra":true}""", "$.extra: not an argument this tool takes")]
    public void Validate_ArgumentsOutsideTheSchema_SaysWhere(string arguments, string error) =>
        Assert.Contains(ToolInputSchema.Validate(Json(Refund), Json(arguments)), e => e.Contains(error, StringComparison.Ordinal));

    [Fact]
    public void Validate_OneOf_NeedsExactlyOne()
    {
        var schema = Json("""{"type":"object","properties":{"v":{"oneOf":[{"type":"integer"},{"type":"number"}]}}}""");

        Assert.Contains(ToolInputSchema.Validate(schema, Json("""{"v":1}""")), e => e.Contains("exactly one of oneOf", StringComparison.Ordinal));
        Assert.Empty(ToolInputSchema.Validate(schema, Json("""{"v":1.5}""")));
    }

    [Theory]
    [InlineData("""{"AMOUNT":99999999}""", "$.AMOUNT: above the maximum")]
    [InlineData("""{"Amount":"1"}""", "$.Amount: expected number, got string")]
    [InlineData("""{"payment":{"AMOUNT":99999999}}""", "$.payment.AMOUNT: above the maximum")]
    [InlineData("""{"account_id":"x"}""", "$.account_id: does not match the pattern")]
    public void Validate_PropertySpelledInAnotherCase_IsCheckedAgainstItsSchema(string arguments, string error)
    {
        var schema = Json("""
            {"type":"object","properties":{
              "amount":{"type":"number","maximum":10000},
              "accountId":{"type":"string","pattern":"^a-[0-9]+$"},
              "payment":{"type":"object","properties":{"amount":{"type":"number","maximum":10000}}}}}
            """);

        Assert.Contains(ToolInputSchema.Validate(schema, Json(arguments)), e => e.Contains(error, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RequiredPropertySpelledInAnotherCase_IsPresentAndStillNotADeclaredArgument()
    {
        var open = Json("""{"type":"object","properties":{"amount":{"type":"number"}},"required":["amount"]}""");
        var closed = Json("""{"type":"object","properties":{"amount":{"type":"number"}},"required":["amount"],"additionalProperties":false}""");

        Assert.Empty(ToolInputSchema.Validate(open, Json("""{"AMOUNT":5}""")));
        Assert.Equal(["$.AMOUNT: not an argument this tool takes (it takes 'amount', spelled so)"], ToolInputSchema.Validate(closed, Json("""{"AMOUNT":5}""")));
    }

    [Theory]
    [InlineData("^[a-z0-9-]+$", "acct-1\\n")]
    [InlineData("^[a-z0-9-]+\\\\Z", "acct-1\\n")]
    [InlineData("^\\\\d+$", "\\u0661\\u0662")]
    [InlineData("^\\\\w+$", "caf\\u00e9")]
    public void Validate_PatternAnchoredWithDollar_RefusesATrailingNewline(string pattern, string text) => AssertRefused(pattern, text);

    [Theory]
    [InlineData("^[a-z0-9-]+$", "acct-1")]
    [InlineData("^a[$]b\\\\$$", "a$b$")]
    [InlineData("^(?:x|y)+$", "xyx")]
    [InlineData("^\\\\p{L}+$", "caf\\u00e9")]
    public void Validate_PatternThatFits_Matches(string pattern, string text) => AssertMatches(pattern, text);

    [Theory]
    [InlineData("^\\\\S+$", "a\\u00A0b")]
    [InlineData("^\\\\S+$", "a\\u2028b")]
    [InlineData("^\\\\S+$", "a\\uFEFFb")]
    [InlineData("^[^\\\\s]+$", "a\\u00A0b")]
    [InlineData("^[^\\\\s]+$", "a\\u3000b")]
    [InlineData("^[\\\\S]+$", "a\\u1680b")]
    [InlineData("^[a\\\\S]+$", "a\\u205Fb")]
    [InlineData("^\\\\s$", "x")]
    [InlineData("^[^\\\\S]$", "x")]
    [InlineData("^[\\\\s-z]$", "y")]
    public void Validate_PatternWithWhitespaceEscape_RefusesWhatEcmaScriptDoesNotMatch(string pattern, string text) => AssertRefused(pattern, text);

    [Theory]
    [InlineData("^\\\\s$", "\\u3000")]
    [InlineData("^\\\\s+$", "\\t\\u000B\\f\\u00A0\\u2000\\u200A\\u2028\\u2029\\u202F\\uFEFF")]
    [InlineData("^[^\\\\s]+$", "ab")]
    [InlineData("^[^\\\\S]$", "\\u00A0")]
    [InlineData("^[\\\\s-]+$", "-\\u00A0-")]
    [InlineData("^[x-\\\\s]+$", "x-\\u3000")]
    [InlineData("^[\\\\s-z]+$", "-z\\u00A0")]
    [InlineData("^\\\\\\\\s$", "\\\\s")]
    [InlineData("^[\\\\\\\\s]+$", "s\\\\s")]
    [InlineData("^\\\\S+$", "a\\u180Eb")]
    public void Validate_PatternWithWhitespaceEscape_MatchesAsEcmaScriptDoes(string pattern, string text) => AssertMatches(pattern, text);

    // pattern (as written in JSON) is a sound pattern, and text (likewise) does not match it.
    private static void AssertRefused(string pattern, string text)
    {
        var schema = PatternSchema(pattern);

        Assert.Empty(ToolInputSchema.Check(schema));
        Assert.Contains(ToolInputSchema.Validate(schema, Json($$"""{"id":"{{text}}"}""")), e => e.Contains("$.id: does not match the pattern", StringComparison.Ordinal));
    }

    // text (as written in JSON) matches pattern (likewise).
    private static void AssertMatches(string pattern, string text) =>
        Assert.Empty(ToolInputSchema.Validate(PatternSchema(pattern), Json($$"""{"id":"{{text}}"}""")));

    // A schema whose one property, id, is a string matching pattern (written as it stands in JSON).
    private static JsonElement PatternSchema(string pattern) =>
        Json("""{"type":"object","properties":{"id":{"type":"string","pattern":"PATTERN"}}}""".Replace("PATTERN", pattern, StringComparison.Ordinal));

    private static JsonElement Json(string text) => JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 }).RootElement.Clone();
}
