namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl help</c>: the usage, exit 0, as <c>--help</c> prints it; <c>help COMMAND</c> that command's.</summary>
public sealed class HelpCommandTests
{
    [Fact]
    public async Task Help_NoCommand_PrintsTheUsageAndExits0()
    {
        var help = await CliRun.RunAsync("help");
        var dashDash = await CliRun.RunAsync("--help");

        Assert.True(help.ExitCode == 0, help.Error);
        Assert.Equal(string.Empty, help.Error);
        Assert.Contains("approvals", help.Out, StringComparison.Ordinal);
        Assert.Contains("Usage:", help.Out, StringComparison.Ordinal);
        Assert.Equal(dashDash.Out, help.Out);
    }

    [Fact]
    public async Task Help_ACommand_PrintsThatCommandsUsageAndExits0()
    {
        var help = await CliRun.RunAsync("help", "mcp", "token");

        Assert.True(help.ExitCode == 0, help.Error);
        Assert.Contains("--secret-file", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_AnUnknownCommand_Exits6WithASuggestion()
    {
        var help = await CliRun.RunAsync("help", "aprovals");

        Assert.Equal(6, help.ExitCode);
        Assert.Contains("'approvals'", help.Error, StringComparison.Ordinal);
    }
}
