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

        Assert.Equal(expected, PathTemplate.Fill("/contacts/{id}", args).Path);
    }
}
