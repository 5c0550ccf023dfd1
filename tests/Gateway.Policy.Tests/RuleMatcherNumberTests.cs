using System.Text.Json;

namespace Gateway.Policy.Tests;

/// <summary>
/// <c>equals</c> against a JSON number: a condition that admits (an allow rule's, one under <c>not</c>) holds only for the
/// same decimal value, however it is spelled; a block rule's also holds for a number equal to it as a double.
/// </summary>
public sealed class RuleMatcherNumberTests
{
    [Theory]
    [InlineData("100", "100")]
    [InlineData("1e2", "100")]
    [InlineData("1E+2", "100")]
    [InlineData("100.000", "100")]
    [InlineData("1000.00e-1", "1e2")]
    [InlineData("0.5", ".5")]
    [InlineData("-0", "0")]
    [InlineData("0e5", "0.000")]
    [InlineData("1234567890123456789", "1234567890123456789")]
    [InlineData("123456789012345678901234567890123456789", "1.23456789012345678901234567890123456789e38")]
    public void ArgumentMatchesEvery_SameDecimalValue_Matches(string sent, string expected)
    {
        Assert.True(RuleMatcher.ArgumentMatchesEvery(Condition(expected), Args(sent)));
    }

    [Theory]
    [InlineData("1234567890123456800", "1234567890123456789")]
    [InlineData("42.000000000000001", "42")]
    [InlineData("1e-400", "0")]
    [InlineData("1e400", "1e401")]
    [InlineData("100000000000000000000000000000001", "100000000000000000000000000000000")]
    [InlineData("1.0000000000000000000000000000001", "1")]
    [InlineData("-1", "1")]
    [InlineData("100", "not a number")]
    public void ArgumentMatchesEvery_OtherDecimalValue_DoesNotMatch(string sent, string expected)
    {
        Assert.False(RuleMatcher.ArgumentMatchesEvery(Condition(expected), Args(sent)));
    }

    [Theory]
    [InlineData("1e2", "100")]
    [InlineData("1234567890123456800", "1234567890123456789")]
    [InlineData("42.000000000000001", "42")]
    [InlineData("100000000000000000000000000000001", "100000000000000000000000000000000")]
    public void ArgumentMatches_SameDouble_StillMatches(string sent, string expected)
    {
        Assert.True(RuleMatcher.ArgumentMatches(Condition(expected), Args(sent)));
    }

    private static ArgumentCondition Condition(string expected) => new() { Path = "$.n", EqualsValue = expected };

    private static JsonElement Args(string number) => JsonDocument.Parse($$"""{"n": {{number}}}""").RootElement;
}
