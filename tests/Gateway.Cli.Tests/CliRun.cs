namespace Gateway.Cli.Tests;

/// <summary>Runs gatewayctl in-process with captured output and a controlled environment.</summary>
internal static class CliRun
{
    public static string ExampleBundle => Path.Combine(AppContext.BaseDirectory, "ExampleBundle");

    public static string ExampleCi => Path.Combine(AppContext.BaseDirectory, "ExampleCi");

    public static Task<CliResult> RunAsync(Dictionary<string, string?>? env, params string[] args) => RunWithStdinAsync(env, stdin: null, args);

    /// <summary>Runs with <paramref name="stdin"/> piped on standard input (null: nothing piped).</summary>
    public static Task<CliResult> RunWithStdinAsync(Dictionary<string, string?>? env, string? stdin, params string[] args) =>
        RunWithInputAsync(env, new StringReader(stdin ?? string.Empty), stdin is not null, args);

    /// <summary>Runs with <paramref name="input"/> as standard input, redirected (not a terminal) when <paramref name="redirected"/>.</summary>
    public static async Task<CliResult> RunWithInputAsync(Dictionary<string, string?>? env, TextReader input, bool redirected, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = env ?? [];
        var console = new CliConsole(output, error, input, redirected, name => environment.GetValueOrDefault(name));
        var code = await GatewayCli.RunAsync(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>A copy of the example bundle in a fresh directory, with <paramref name="edit"/> applied to demo.yaml.</summary>
    public static string CopyBundle(Func<string, string>? edit = null)
    {
        var dir = Directory.CreateTempSubdirectory("gatewayctl-test-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "secrets"));
        File.Copy(Path.Combine(ExampleBundle, "secrets", "demo-agent.secret"), Path.Combine(dir, "secrets", "demo-agent.secret"));
        var text = File.ReadAllText(Path.Combine(ExampleBundle, "demo.yaml"));
        File.WriteAllText(Path.Combine(dir, "demo.yaml"), edit is null ? text : edit(text));
        return dir;
    }
}

internal sealed record CliResult(int ExitCode, string Out, string Error);
