using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary><c>policy diff &lt;baseline&gt; &lt;candidate&gt;</c>: changes in the register's terms.</summary>
internal static class PolicyDiffCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var before = new Argument<string>("baseline") { Description = "Baseline tenant file or bundle directory" };
        var after = new Argument<string>("candidate") { Description = "Candidate tenant file or bundle directory (files are paired by name)" };
        var command = new Command("diff", """
            Show what changed between two bundles in the register's terms: agents and their permissions, catalog entries,
            approval gates, rules, approvers, data flows, risks, red-team tests, limits and tenant settings.
            Formatting, comments and key order are not changes. Exit 0, 6 invalid input.
            Examples:
              gatewayctl policy diff main-bundle/demo.yaml examples/bundle/demo.yaml
              gatewayctl policy diff main-bundle examples/bundle --json
            """) { before, after };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var pairs = Pairs(parse.GetValue(before)!, parse.GetValue(after)!, out var error);
            if (pairs is null)
            {
                return context.Invalid(error!);
            }

            var files = new JsonArray();
            foreach (var (name, oldPath, newPath) in pairs)
            {
                var oldRoot = oldPath is null ? null : YamlJson.Parse(File.ReadAllText(oldPath), out error);
                var newRoot = newPath is null ? null : YamlJson.Parse(File.ReadAllText(newPath), out error);
                if ((oldPath is not null && oldRoot is null) || (newPath is not null && newRoot is null))
                {
                    return context.Invalid($"{name}: {error}");
                }

                var changes = RegisterDiff.Compare(oldRoot ?? new YamlDotNet.RepresentationModel.YamlMappingNode(), newRoot ?? new YamlDotNet.RepresentationModel.YamlMappingNode());
                context.Line($"--- {oldPath ?? "(none)"}\n+++ {newPath ?? "(none)"}");
                var items = new JsonArray();
                foreach (var change in changes)
                {
                    var mark = change.Change switch { "added" => "+", "removed" => "-", _ => "~" };
                    context.Line($"{mark} {change.Section} {change.Id}{(change.Details.Count == 0 ? string.Empty : ": " + string.Join("; ", change.Details))}");
                    items.Add(new JsonObject { ["section"] = change.Section, ["id"] = change.Id, ["change"] = change.Change, ["details"] = new JsonArray([.. change.Details.Select(d => (JsonNode)d)]) });
                }

                if (changes.Count == 0)
                {
                    context.Line("  no changes to the register");
                }

                files.Add(new JsonObject { ["file"] = name, ["changes"] = items });
            }

            context.Document(new JsonObject { ["ok"] = true, ["files"] = files });
            return ExitCodes.Success;
        });
        return command;
    }

    private static List<(string Name, string? Old, string? New)>? Pairs(string before, string after, out string? error)
    {
        error = null;
        if (File.Exists(before) && File.Exists(after))
        {
            return [(Path.GetFileName(after), before, after)];
        }

        if (Directory.Exists(before) && Directory.Exists(after))
        {
            static Dictionary<string, string> Files(string dir) => Directory.EnumerateFiles(dir, "*.*", SearchOption.TopDirectoryOnly)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(f => Path.GetFileName(f)!, f => f, StringComparer.Ordinal);
            var a = Files(before);
            var b = Files(after);
            return [.. a.Keys.Union(b.Keys).Order(StringComparer.Ordinal).Select(n => (n, a.GetValueOrDefault(n), b.GetValueOrDefault(n)))];
        }

        error = "give two tenant files or two bundle directories";
        return null;
    }
}
