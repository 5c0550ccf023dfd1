using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary><c>policy import-gait &lt;file&gt;</c>: Gait gate policy → tenant-file rules, with every unmapped line and why.</summary>
internal static class PolicyImportGaitCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "A Gait policy file (schema_id: gait.gate.policy)" };
        var output = new Option<string?>("--out") { Description = "Write the tenant-file fragment here instead of stdout" };
        var command = new Command("import-gait", """
            Map a Gait gate policy to this gateway's default_verdict and rules where the meanings match, and list line by line
            what could not be mapped and why (risk classes, delegation, broker credentials, ...). Merge the fragment into a
            tenant file, then run policy validate. Exit 0, 6 when the file is not YAML.
            Examples:
              gatewayctl policy import-gait gait/base_high_risk.yaml --out imported.yaml
              gatewayctl policy import-gait gait/base_high_risk.yaml --json
            """) { file, output };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                return context.Invalid($"{path}: no such file");
            }

            var result = GaitImport.Convert(File.ReadAllText(path));
            if (!result.Parsed)
            {
                return context.Invalid($"{path}: {result.Unmapped[0].Reason}");
            }

            var header = $"# Imported from the Gait policy {Path.GetFileName(path)} by gatewayctl policy import-gait.\n";
            if (parse.GetValue(output) is { } outPath)
            {
                File.WriteAllText(outPath, header + result.Yaml);
                context.Line($"wrote {outPath}");
            }
            else
            {
                context.Line(header + result.Yaml.TrimEnd('\n'));
            }

            foreach (var line in result.Unmapped)
            {
                if (!context.Json)
                {
                    console.Error.WriteLine($"{path}:{line.Line}: not mapped: {line.Reason}");
                }
            }

            context.Document(new JsonObject
            {
                ["ok"] = true,
                ["yaml"] = result.Yaml,
                ["unmapped"] = new JsonArray([.. result.Unmapped.Select(u => (JsonNode)new JsonObject { ["line"] = u.Line, ["text"] = u.Text, ["reason"] = u.Reason })]),
            });
            return ExitCodes.Success;
        });
        return command;
    }
}
