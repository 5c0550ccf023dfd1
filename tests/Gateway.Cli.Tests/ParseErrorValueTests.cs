namespace Gateway.Cli.Tests;

/// <summary>
/// A value the parser cannot use (not a number for <c>--limit</c>, not among an option's or argument's allowed values) is
/// named by its option or argument and what that takes, never quoted: it may be a credential given in the wrong place.
/// </summary>
public sealed class ParseErrorValueTests
{
    private const string Secret = "sk-live-0123456789abcdef";

    [Theory]
    [InlineData("'--limit' cannot be used (not shown: it may be a credential): it takes a whole number.", "runs", "list", "--tenant", "acme", "--limit", Secret)]
    [InlineData("'--seq' cannot be used (not shown: it may be a credential): it takes a whole number.", "audit", "prove", "--tenant", "acme", "--seq", Secret)]
    [InlineData("'--role' cannot be used (not shown: it may be a credential): it takes one of 'admin', 'approver', 'auditor', 'executor'.", "tokens", "issue", "--name", "bob", "--role", Secret)]
    [InlineData("<shell> cannot be used (not shown: it may be a credential): it takes one of 'bash', 'zsh'.", "completion", Secret)]
    public async Task Parse_ValueTheOptionCannotTake_ErrorNamesTheOptionNotTheValue(string shown, params string[] args)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal("error: invalid_input: The value given for " + shown, result.Error.Trim());
        Assert.DoesNotContain(Secret, result.Error + result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_RequiredOptionMissing_MessageIsTheParsers()
    {
        var result = await CliRun.RunAsync("runs", "list");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal("error: invalid_input: Option '--tenant' is required.", result.Error.Trim());
    }
}
