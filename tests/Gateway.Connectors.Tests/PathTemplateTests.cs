using System.Text.Json;

namespace Gateway.Connectors.Tests;

/// <summary>A tool argument fills exactly one path segment of its connector, never a path of its own.</summary>
public sealed class PathTemplateTests
{
    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("..;")]
    [InlineData("../payments/refunds")]
    [InlineData("..\\payments")]
    [InlineData("%2e%2e")]
    [InlineData("%2E%2E%2Fpayments")]
    [InlineData("..%2fpayments")]
    [InlineData("%5cpayments")]
    [InlineData("%252e%252e")]
    [InlineData("a\u0000b")]
    [InlineData("")]
    public void Fill_DotSegmentOrSeparatorInAnArgument_IsRefused(string value)
    {
        var args = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["id"] = value });

        var refused = Assert.Throws<ArgumentException>(() => PathTemplate.Fill("/contacts/{id}", args));

        Assert.Contains("'id'", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c-42", "/contacts/c-42")]
    [InlineData("ada lovelace", "/contacts/ada%20lovelace")]
    [InlineData("a.b..c", "/contacts/a.b..c")]
    [InlineData("50%", "/contacts/50%25")]
    public void Fill_OrdinaryValue_IsEscapedIntoOneSegment(string value, string expected)
    {
        var args = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["id"] = value });

        Assert.Equal(expected, PathTemplate.Fill("/contacts/{id}", args));
    }

    [Theory]
    [InlineData("/contacts/{id}", "id", true)]
    [InlineData("/contacts/{id}/notes/{note}", "note", true)]
    [InlineData("/contacts/{id}", "i", false)]
    [InlineData("/contacts/{id}", "idx", false)]
    [InlineData("/contacts/id", "id", false)]
    [InlineData("/contacts", "id", false)]
    public void Fills_ArgumentName_IsTakenOnlyByItsOwnPlaceholder(string template, string name, bool expected)
    {
        using var args = JsonDocument.Parse($"{{\"{name}\":\"x\"}}");

        Assert.Equal(expected, PathTemplate.Fills(template, args.RootElement.EnumerateObject().Single()));
    }

    [Fact]
    public void Fill_TemplateWithoutPlaceholders_IsTheTemplate()
    {
        using var args = JsonDocument.Parse("{}");

        Assert.Equal("/contacts", PathTemplate.Fill("/contacts", args.RootElement));
    }

    [Fact]
    public void Fill_SeveralPlaceholders_FillsEachWithItsArgument()
    {
        using var args = JsonDocument.Parse("""{"id":"c 1","note":7,"flag":true}""");

        Assert.Equal("/contacts/c%201/notes/7/true", PathTemplate.Fill("/contacts/{id}/notes/{note}/{flag}", args.RootElement));
    }
}
