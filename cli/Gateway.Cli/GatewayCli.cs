using System.CommandLine;
using System.Text.RegularExpressions;
using Gateway.Cli.Commands;

namespace Gateway.Cli;

/// <summary>Builds <c>gatewayctl</c>'s command tree and runs it.</summary>
internal static partial class GatewayCli
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
    /// error the parser found, none quoting a value (<see cref="ParseErrorText"/>). The word is quoted only when it is an
    /// option's name or a command's (<see cref="Shown"/>).
    /// </summary>
    private static async Task WriteParseErrorsAsync(CliConsole console, ParseResult parse, RootCommand root)
    {
        if (parse.UnmatchedTokens is not [var token, ..])
        {
            foreach (var message in parse.Errors.Select(ParseErrorText.For).Distinct(StringComparer.Ordinal))
            {
                await console.Error.WriteLineAsync("error: invalid_input: " + message);
            }

            return;
        }

        if (Shown(token, parse.CommandResult.Command) is not { } shown)
        {
            await console.Error.WriteLineAsync("error: invalid_input: Unrecognized argument (not shown: values are never taken as arguments; pipe a value on standard input or pass --from-file).");
            return;
        }

        var quoted = $"'{shown}'";
        var unrecognized = shown != token ? $"Unrecognized command or argument {quoted} (its value is not shown)."
            : parse.Errors.FirstOrDefault(e => e.Message.Contains(quoted, StringComparison.Ordinal))?.Message ?? $"Unrecognized command or argument {quoted}.";
        await console.Error.WriteLineAsync("error: invalid_input: " + unrecognized);
        if (TypoSuggestions.For(shown, parse.CommandResult.Command, root) is { Count: > 0 } names)
        {
            await console.Error.WriteLineAsync($"  {quoted}: did you mean {string.Join(" or ", names.Select(static n => $"'{n}'"))}?");
        }
    }

    /// <summary>
    /// What of an unknown word may be printed: an option's name (<c>--tenat</c>; of <c>--tenat=acme</c> the name only), or a
    /// word where a command was expected that could be one (lowercase letters and dashes, at most 24); else nothing, since
    /// it may be a value given as an argument, such as a credential that belongs on standard input.
    /// </summary>
    private static string? Shown(string token, Command command)
    {
        if (OptionName().Match(token) is { Success: true } option)
        {
            return option.Groups["name"].Value;
        }

        return command.Subcommands.Count > 0 && CommandWord().IsMatch(token) ? token : null;
    }

    [GeneratedRegex("^(?<name>--[A-Za-z][A-Za-z0-9-]{0,38}|-[A-Za-z])(?:[=:].*)?\\z", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex OptionName();

    [GeneratedRegex("^[a-z][a-z-]{0,23}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CommandWord();
}
