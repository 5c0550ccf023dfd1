using System.CommandLine;
using Gateway.Cli.Runs;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>regress init --from-run &lt;run&gt; --tenant [-o file]</c>: a run's decisions as fixtures of <c>gatewayctl policy test</c>
/// (<see cref="RegressionFixtures"/>), so that a run that went right (or wrong) becomes a regression test of the policy.
/// </summary>
internal static class RegressCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("regress", "Regression fixtures from what agents did");
        var tenant = GlobalOptions.Tenant();
        var run = new Option<string>("--from-run") { Description = "The run whose decisions become fixtures", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "The fixtures file to write (default: regress/<run>.yaml)" };
        var force = new Option<bool>("--force") { Description = "Overwrite the file when it exists" };
        var init = new Command("init", """
            Write one policy-test fixture per decision of a run (its tool, expecting the same decision, failing controls and
            reason codes), then: gatewayctl policy test <bundle> <file>. The journal holds no payloads: add the arguments a
            decision depends on.
            """) { run, tenant, output, force };
        init.SetAction((parse, ct) =>
        {
            var id = parse.GetValue(run)!;
            var path = parse.GetValue(output) ?? Path.Combine("regress", id + ".yaml");
            if (File.Exists(path) && !parse.GetValue(force))
            {
                runtime.Console.Error.WriteLine($"error: invalid_input: {path} exists; pass --force to overwrite it");
                return Task.FromResult(ExitCodes.InvalidInput);
            }

            return runtime.FetchAsync(parse, get => RunStory.GatherAsync(get, parse.GetValue(tenant)!, id), (document, text) =>
            {
                var fixtures = RegressionFixtures.Write(RunStory.Of(document), parse.GetValue(tenant)!);
                if (fixtures is null)
                {
                    runtime.Console.Error.WriteLine($"error: invalid_input: run {id} was given no decision to turn into a fixture");
                    return ExitCodes.InvalidInput;
                }

                if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
                {
                    Directory.CreateDirectory(directory);
                }

                File.WriteAllText(path, fixtures);
                text?.WriteLine($"Wrote {fixtures.Split("\n  - name:").Length - 1} fixture(s) of run {id} to {path}");
                return null;
            }, ct);
        });
        command.Subcommands.Add(init);
        return command;
    }
}
