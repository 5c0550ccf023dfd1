using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary><c>policy fmt</c>: deterministic formatting; <c>--write</c> rewrites, <c>--check</c> exits 2 when a file is not formatted.</summary>
internal static class PolicyFmtCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var paths = new Argument<string[]>("paths") { Description = "Tenant files or bundle directories", Arity = ArgumentArity.OneOrMore };
        var write = new Option<bool>("--write") { Description = "Rewrite files in place" };
        var check = new Option<bool>("--check") { Description = "Change nothing; exit 2 when any file is not formatted (for CI)" };
        var command = new Command("fmt", """
            Format tenant files deterministically (comments and key order kept; the policy digest never changes).
            Without --write or --check a single file is printed formatted. Exit 0, 2 (--check found unformatted files), 6 invalid YAML.
            Examples:
              gatewayctl policy fmt examples/bundle --check
              gatewayctl policy fmt examples/bundle/demo.yaml --write
            """) { paths, write, check };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var files = new List<string>();
            foreach (var path in parse.GetValue(paths)!)
            {
                if (Directory.Exists(path))
                {
                    files.AddRange(Directory.EnumerateFiles(path, "*.*", SearchOption.TopDirectoryOnly)
                        .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                        .Order(StringComparer.Ordinal));
                }
                else if (File.Exists(path))
                {
                    files.Add(path);
                }
                else
                {
                    return context.Invalid($"{path}: no such file or directory");
                }
            }

            var report = new JsonArray();
            var unformatted = 0;
            foreach (var file in files)
            {
                var text = File.ReadAllText(file);
                var formatted = PolicyFormatter.Format(text, out var error);
                if (formatted is null)
                {
                    return context.Invalid($"{file}: {error}");
                }

                var changed = formatted != text;
                unformatted += changed ? 1 : 0;
                report.Add(new JsonObject { ["file"] = file, ["formatted"] = !changed });
                if (parse.GetValue(write) && changed)
                {
                    File.WriteAllText(file, formatted);
                    context.Line($"formatted {file}");
                }
                else if (parse.GetValue(check))
                {
                    context.Line(changed ? $"not formatted: {file}" : $"ok: {file}");
                }
                else if (!parse.GetValue(write) && !context.Json)
                {
                    console.Out.Write(formatted);
                }
            }

            var failed = parse.GetValue(check) && unformatted > 0;
            context.Document(new JsonObject { ["ok"] = !failed, ["files"] = report, ["unformatted"] = unformatted });
            return failed ? ExitCodes.VerificationFailed : ExitCodes.Success;
        });
        return command;
    }
}
