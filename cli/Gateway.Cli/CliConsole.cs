namespace Gateway.Cli;

/// <summary>
/// What a command may touch: output, error, input, the environment, (for tests) the HTTP handler and
/// the directory the command runs in (null: the process's). Keeps the CLI runnable in-process.
/// </summary>
internal sealed record CliConsole(
    TextWriter Out,
    TextWriter Error,
    TextReader In,
    bool IsInputRedirected,
    Func<string, string?> GetEnvironmentVariable,
    HttpMessageHandler? Handler = null,
    string? WorkingDirectory = null)
{
    public static CliConsole System() =>
        new(Console.Out, Console.Error, Console.In, Console.IsInputRedirected, Environment.GetEnvironmentVariable);
}
