namespace Gateway.Cli.Tests;

/// <summary>
/// A mistyped command or option is one error, for the first word the parser did not know, and the closest names to it,
/// as docs/cli.md shows: not the errors that follow from it (the words after it, a command left unchosen). A word that is
/// neither an option's name nor a command word where a command was expected is never quoted: it may be a credential.
/// </summary>
public sealed class TypoErrorTests
{
    [Theory]
    [InlineData(new[] { "approvls", "list" }, "approvls", "'approvals'")]
    [InlineData(new[] { "tokens", "issue", "--nmae", "bob" }, "--nmae", "'--name'")]
    [InlineData(new[] { "policy", "valdate", "x" }, "valdate", "'validate'")]
    public async Task Typo_FirstUnknownWord_IsTheOnlyErrorThenItsSuggestion(string[] args, string typo, string suggestion)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(6, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([$"error: invalid_input: Unrecognized command or argument '{typo}'.", $"'{typo}': did you mean {suggestion}?"], lines);
    }

    [Fact]
    public async Task UnknownWord_NoCloseName_IsTheOnlyError()
    {
        var result = await CliRun.RunAsync("zzzzzz", "list");

        Assert.Equal(6, result.ExitCode);
        Assert.Equal("error: invalid_input: Unrecognized command or argument 'zzzzzz'.", result.Error.Trim());
    }

    [Fact]
    public async Task Typo_OptionWithAValue_ShowsItsNameOnly()
    {
        var result = await CliRun.RunAsync("tokens", "issue", "--nmae=sk-live-0123456789abcdef");

        Assert.Equal(6, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["error: invalid_input: Unrecognized command or argument '--nmae' (its value is not shown).", "'--nmae': did you mean '--name'?"], lines);
    }

    [Theory]
    [InlineData("approvals", "list", "sk-live-0123456789abcdef")]
    [InlineData("approvals", "list", "hunter-two")]
    [InlineData("Sk-Live-0123456789abcdef", "list")]
    public async Task UnknownWord_NotAnOptionOrCommandWord_IsNeverQuoted(params string[] args)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(6, result.ExitCode);
        Assert.Equal("error: invalid_input: Unrecognized argument (not shown: values are never taken as arguments; pipe a value on standard input or pass --from-file).", result.Error.Trim());
    }

    [Fact]
    public async Task NoUnknownWord_EveryParseErrorIsShown()
    {
        var result = await CliRun.RunAsync("tokens", "issue");

        Assert.Equal(6, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 2, result.Error);
        Assert.All(lines, static line => Assert.StartsWith("error: invalid_input: ", line, StringComparison.Ordinal));
    }
}
