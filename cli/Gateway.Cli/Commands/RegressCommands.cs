using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Cli.Evidence;
using Gateway.Cli.Runs;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>regress init (--from-run &lt;run&gt; --tenant | --from &lt;pack&gt;) [-o file]</c>: a run's or an evidence pack's
/// decisions as fixtures of <c>gatewayctl policy test</c> (<see cref="RegressionFixtures"/>), so that what went right (or
/// wrong) becomes a regression test of the policy. <c>regress run &lt;bundle&gt; [fixtures]</c>: those fixtures against the
/// current bundle (<see cref="PolicyTestCommand.RunFixtures"/>): exit 5 and <c>top_failure_reason</c> when a decision drifts.
/// </summary>
internal static class RegressCommands
{
    private const string DefaultFolder = "regress";

    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("regress", "Regression fixtures from what agents did");
        var tenant = new Option<string?>("--tenant") { Description = "Tenant slug (with --from-run)" };
        var run = new Option<string?>("--from-run") { Description = "The run whose decisions become fixtures" };
        var pack = new Option<string?>("--from") { Description = "An evidence pack (gatewayctl evidence export) whose decisions become fixtures; it must verify first" };
        var jwks = new Option<string?>("--jwks") { Description = "With --from: the JWKS to verify the pack with (default: the pack's own jwks.json, which proves only self-consistency)" };
        var output = new Option<string?>("--output", "-o") { Description = "The fixtures file to write (default: regress/<run or pack name>.yaml)" };
        var force = new Option<bool>("--force") { Description = "Overwrite the file when it exists" };
        var init = new Command("init", """
            Write one policy-test fixture per recorded decision of a run (--from-run, --tenant) or an evidence pack (--from):
            its tool, expecting the same decision, failing controls and reason codes; then: gatewayctl regress run <bundle>.
            The journal holds no payloads: add the arguments a decision depends on.
            """) { run, tenant, pack, jwks, output, force };
        init.SetAction(async (parse, ct) =>
        {
            var (id, packFile, slug) = (parse.GetValue(run), parse.GetValue(pack), parse.GetValue(tenant));
            if ((id is null) == (packFile is null) || (id is not null && slug is null))
            {
                await runtime.Console.Error.WriteLineAsync("error: invalid_input: pass --from-run with --tenant, or --from <pack>");
                return ExitCodes.InvalidInput;
            }

            var path = parse.GetValue(output) ?? Path.Combine(DefaultFolder, (id ?? Path.GetFileNameWithoutExtension(packFile!)) + ".yaml");
            if (File.Exists(path) && !parse.GetValue(force))
            {
                await runtime.Console.Error.WriteLineAsync($"error: invalid_input: {path} exists; pass --force to overwrite it");
                return ExitCodes.InvalidInput;
            }

            if (packFile is not null)
            {
                return await FromPackAsync(runtime.Console, packFile, parse.GetValue(jwks), path);
            }

            return await runtime.FetchAsync(parse, get => RunStory.GatherAsync(get, slug!, id!), (document, text) =>
                Save(runtime.Console, RegressionFixtures.Write(RunStory.Of(document), slug!), path, $"run {id}", text), ct);
        });
        command.Subcommands.Add(init);

        var bundle = new Argument<string>("bundle") { Description = "The bundle in force (directory or tenant file)" };
        var fixtures = new Argument<string>("fixtures") { Description = "Fixtures folder or file (default: regress/)", DefaultValueFactory = _ => DefaultFolder };
        var junit = new Option<string?>("--junit") { Description = "Also write a JUnit XML report to this file" };
        var regressRun = new Command("run", """
            Re-evaluate the regression fixtures against the bundle: exit 0 when every recorded decision holds, 5 when one
            drifts (named with the control that changed it; --json: top_failure_reason), 6 invalid bundle or fixture.
            """) { bundle, fixtures, junit };
        regressRun.SetAction(parse =>
        {
            var context = new PolicyCommandContext(runtime.Options, runtime.Console, parse);
            var set = context.LoadOrReport(parse.GetValue(bundle)!, out var exit);
            return set is null ? exit : PolicyTestCommand.RunFixtures(context, set, parse.GetValue(fixtures)!, parse.GetValue(junit), "gatewayctl regress run");
        });
        command.Subcommands.Add(regressRun);
        return command;
    }

    private static async Task<int> FromPackAsync(CliConsole console, string packFile, string? jwksFile, string path)
    {
        Dictionary<string, byte[]> files;
        EvidencePackVerifier.Result verified;
        try
        {
            var directory = console.WorkingDirectory ?? Environment.CurrentDirectory;
            files = EvidencePack.Read(Path.GetFullPath(packFile, directory));
            var jwks = jwksFile is not null ? await File.ReadAllTextAsync(Path.GetFullPath(jwksFile, directory)) : Encoding.UTF8.GetString(files.GetValueOrDefault(EvidencePack.Jwks) ?? []);
            if (jwksFile is null)
            {
                await console.Error.WriteLineAsync("warning: verifying with the pack's own jwks.json; pass --jwks with keys obtained independently to prove who signed it");
            }

            verified = EvidencePackVerifier.Verify(files, EvidenceKeySet.Parse(jwks));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            await console.Error.WriteLineAsync(TerminalText.Safe($"error: invalid_input: cannot read the pack {packFile}: {ex.Message}"));
            return ExitCodes.InvalidInput;
        }

        if (verified.Problems.Count > 0)
        {
            await console.Error.WriteLineAsync(TerminalText.Safe($"error: pack_not_verified: {packFile} does not verify ({verified.Problems[0]}); run gatewayctl evidence verify"));
            return ExitCodes.VerificationFailed;
        }

        using var manifest = JsonDocument.Parse(files[EvidencePack.Manifest]);
        var tenant = manifest.RootElement.GetProperty("tenant").GetString()!;
        var records = new JsonArray();
        foreach (var line in Encoding.UTF8.GetString(files[EvidencePack.Records]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            records.Add(JsonNode.Parse(line));
        }

        var name = Path.GetFileName(packFile);
        var document = JsonSerializer.SerializeToElement(new JsonObject { ["tenant"] = tenant, ["run_id"] = name, ["records"] = records });
        return Save(console, RegressionFixtures.Write(RunStory.Of(document), tenant, "evidence pack " + name), path, "evidence pack " + name, console.Out) ?? ExitCodes.Success;
    }

    private static int? Save(CliConsole console, string? fixtures, string path, string origin, TextWriter? text)
    {
        if (fixtures is null)
        {
            console.Error.WriteLine($"error: invalid_input: {origin} holds no decision to turn into a fixture");
            return ExitCodes.InvalidInput;
        }

        if (Path.GetDirectoryName(Path.GetFullPath(path, console.WorkingDirectory ?? Environment.CurrentDirectory)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(Path.GetFullPath(path, console.WorkingDirectory ?? Environment.CurrentDirectory), fixtures);
        text?.WriteLine($"Wrote {fixtures.Split("\n  - name:").Length - 1} fixture(s) of {origin} to {path}");
        return null;
    }
}
