namespace Gateway.Audit.Tests;

/// <summary>Identifiers are whole strings of their alphabet: a final newline (which a regex's <c>$</c> lets through) is refused.</summary>
public sealed class IdentifiersTests
{
    [Theory]
    [InlineData("tenant")]
    [InlineData("agent")]
    [InlineData("name")]
    [InlineData("credential")]
    public void IsValid_IdentifierWithATrailingNewline_IsFalse(string kind)
    {
        Func<string?, bool> isValid = kind switch
        {
            "tenant" => Identifiers.IsValidTenant,
            "agent" => Identifiers.IsValidAgent,
            "name" => Identifiers.IsValidName,
            _ => Identifiers.IsValidCredentialName,
        };

        Assert.True(isValid("demo-1"));
        Assert.False(isValid("demo-1\n"));
        Assert.False(isValid("\ndemo-1"));
    }
}
