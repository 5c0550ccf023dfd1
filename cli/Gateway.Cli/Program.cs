namespace Gateway.Cli;

/// <summary>The <c>gatewayctl</c> entry point.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => GatewayCli.RunAsync(args, CliConsole.System());
}
