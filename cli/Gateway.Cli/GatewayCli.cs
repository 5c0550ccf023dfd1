using System.CommandLine;
using Gateway.Cli.Commands;

namespace Gateway.Cli;

/// <summary>Builds <c>gatewayctl</c>'s command tree and runs it.</summary>
internal static class GatewayCli
{
    public static RootCommand Build(CliConsole console)
    {
        var options = new GlobalOptions();
        var runtime = new CliRuntime(console, options);
        var root = new RootCommand("gatewayctl: operate the gateway's approvals, credentials, audit journal, kill switches, runs and admin tokens over its admin API, and verify its decision tokens.");
        root.Options.Add(options.Url);
        root.Options.Add(options.Token);
        root.Options.Add(options.AllowInsecureHttp);
        root.Options.Add(options.Json);
        root.Subcommands.Add(ApprovalsCommands.Build(runtime));
        root.Subcommands.Add(CredentialsCommands.Build(runtime));
        root.Subcommands.Add(AuditCommands.Build(runtime));
        root.Subcommands.Add(AgentsCommands.Build(runtime));
        root.Subcommands.Add(TenantsCommands.Build(runtime));
        root.Subcommands.Add(TokensCommands.Build(runtime));
        root.Subcommands.Add(KeysCommands.Build(runtime));
        root.Subcommands.Add(IncidentsCommands.Build(runtime));
        root.Subcommands.Add(ConsoleCommands.Build(runtime));
        root.Subcommands.Add(ConnectionsCommands.Build(runtime));
        root.Subcommands.Add(RunsCommands.Build(runtime));
        root.Subcommands.Add(EvidenceCommands.Build(runtime));
        root.Subcommands.Add(RegressCommands.Build(runtime));
        root.Subcommands.Add(DecisionTokensCommands.Build(runtime));
        root.Subcommands.Add(PolicyCommands.Build(options, console));
        root.Subcommands.Add(CatalogCommands.Build(options, console));
        root.Subcommands.Add(GateCommands.Build(options, console));
        root.Subcommands.Add(DoctorCommand.Build(options, console));
        root.Subcommands.Add(DbCommands.Build(options, console));
        root.Subcommands.Add(DemoCommand.Build(options, console));
        root.Subcommands.Add(McpCommands.Build(options, console));
        root.Subcommands.Add(CompletionCommand.Build(console));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var root = Build(console);

        // `gatewayctl help [command…]` is `gatewayctl [command…] --help`, as in git and kubectl; a name that is no command
        // stays an error (with --help the parser would print the root's usage and exit 0).
        if (args is ["help", .. var named])
        {
            args = root.Parse(named).UnmatchedTokens.Count > 0 ? named : [.. named, "--help"];
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await WriteParseErrorsAsync(console, parse, root);
            return ExitCodes.InvalidInput;
        }

        var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>
    /// A word the parser did not know is one error and the closest names to it: the first such word only, since the errors
    /// after it (the words that follow, a command left unchosen, an option then missing) follow from it. Without one, every
    /// error the parser found.
    /// </summary>
    private static async Task WriteParseErrorsAsync(CliConsole console, ParseResult parse, RootCommand root)
    {
        if (parse.UnmatchedTokens is not [var token, ..])
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync("error: invalid_input: " + error.Message);
            }

            return;
        }

        var quoted = $"'{token}'";
        var unrecognized = parse.Errors.FirstOrDefault(e => e.Message.Contains(quoted, StringComparison.Ordinal))?.Message
            ?? $"Unrecognized command or argument {quoted}.";
        await console.Error.WriteLineAsync("error: invalid_input: " + unrecognized);
        if (TypoSuggestions.For(token, parse.CommandResult.Command, root) is { Count: > 0 } names)
        {
            await console.Error.WriteLineAsync($"  {quoted}: did you mean {string.Join(" or ", names.Select(static n => $"'{n}'"))}?");
        }
    }
}
