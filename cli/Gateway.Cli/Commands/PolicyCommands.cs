using System.CommandLine;

namespace Gateway.Cli.Commands;

/// <summary><c>policy validate|fmt|test|simulate|diff|analyze|import-gait</c>: policy as code, offline, on the gateway's own engine.</summary>
internal static class PolicyCommands
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var command = new Command("policy", "Policy as code, offline: validate, format, test, simulate, diff and analyze bundles with the gateway's own decision engine");
        command.Subcommands.Add(PolicyValidateCommand.Build(options, console));
        command.Subcommands.Add(PolicyFmtCommand.Build(options, console));
        command.Subcommands.Add(PolicyTestCommand.Build(options, console));
        command.Subcommands.Add(PolicySimulateCommand.Build(options, console));
        command.Subcommands.Add(PolicyDiffCommand.Build(options, console));
        command.Subcommands.Add(PolicyAnalyzeCommand.Build(options, console));
        command.Subcommands.Add(PolicyImportGaitCommand.Build(options, console));
        return command;
    }
}
