using System.CommandLine;

namespace Gateway.Cli.Tests;

/// <summary>
/// Every <c>gatewayctl</c> command line the documentation shows parses with gatewayctl's own parser, placeholders filled with
/// their names; a command or option that prose names in passing exists.
/// </summary>
public sealed class DocumentedCommandLineTests
{
    /// <summary>The documents that show gatewayctl commands: the README, docs/, the chart's, the examples' and the SDKs' READMEs.</summary>
    private static IEnumerable<string> Documents()
    {
        var root = DocumentedCommandLines.RepositoryRoot;
        string[] top = ["README.md", "charts/gateway/README.md", "examples/agents/README.md", "sdk/dotnet/README.md", "sdk/node/README.md", "sdk/python/README.md"];
        return top.Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Select(path => Path.GetRelativePath(root, path)))
            .Where(path => File.Exists(Path.Combine(root, path)))
            .Order(StringComparer.Ordinal);
    }

    [Fact]
    public void Documents_EveryGatewayctlCommandLine_Parses()
    {
        var root = GatewayCli.Build(new CliConsole(TextWriter.Null, TextWriter.Null, TextReader.Null, false, static _ => null));
        var commands = 0;
        var failures = new List<string>();
        foreach (var document in Documents())
        {
            var text = File.ReadAllText(Path.Combine(DocumentedCommandLines.RepositoryRoot, document));
            foreach (var command in DocumentedCommandLines.Extract(text))
            {
                commands += command.Mention ? 0 : 1;
                var errors = command.Mention ? UnknownNames(root, command.Args) : [.. root.Parse(command.Args).Errors.Select(static e => e.Message)];
                if (errors.Count > 0)
                {
                    failures.Add($"{document}:{command.Line}: `{command.Text}`: {string.Join("; ", errors)}");
                }
            }
        }

        Assert.True(commands > 100, $"only {commands} documented gatewayctl command lines found: is the extraction broken?");
        Assert.True(failures.Count == 0, "documented gatewayctl lines that gatewayctl refuses:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Extract_ShellForms_YieldTheWordsAfterGatewayctl()
    {
        const string Markdown = """
            Put it with `gatewayctl credentials put <name> --tenant <tenant> < key.txt`; see `gatewayctl runs inspect|diff`, `gatewayctl audit verify --file`.

            ```sh
            echo -n 'x' | gatewayctl credentials put crm-token --tenant demo   # a comment
            BOB=$(gatewayctl tokens issue --name bob --json | sed -n 's/a/b/p')
            GATEWAY_ADMIN_TOKEN=$BOB gatewayctl approvals approve "$APPROVAL" --tenant demo 2>/dev/null || true
            gatewayctl catalog import-openapi pets.yaml \
              --out pets.catalog.yaml
            dotnet tool install -g gatewayctl
            gatewayctl audit query --tenant T [--from ISO]
            ```
            """;

        var found = DocumentedCommandLines.Extract(Markdown).Select(static c => (c.Line, string.Join(' ', c.Args), c.Mention)).ToList();

        Assert.Equal(
            [
                (1, "credentials put name --tenant tenant", false),
                (1, "audit verify --file", true),
                (4, "credentials put crm-token --tenant demo", false),
                (5, "tokens issue --name bob --json", false),
                (6, "approvals approve $APPROVAL --tenant demo", false),
                (7, "catalog import-openapi pets.yaml --out pets.catalog.yaml", false),
            ],
            found);
    }

    /// <summary>For prose that names a command and some of its options: the words that are no command, and the options it does not have.</summary>
    private static List<string> UnknownNames(RootCommand root, string[] words)
    {
        var path = new List<Command> { root };
        var unknown = new List<string>();
        foreach (var word in words.TakeWhile(static w => !w.StartsWith('-')))
        {
            var next = path[^1].Subcommands.FirstOrDefault(c => c.Name == word || c.Aliases.Contains(word));
            if (next is null)
            {
                if (path[^1].Arguments.Count == 0)
                {
                    unknown.Add($"'{word}' is no command of '{path[^1].Name}'");
                }

                break;
            }

            path.Add(next);
        }

        var options = path.SelectMany(static c => c.Options).SelectMany(static o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        unknown.AddRange(words.Where(static w => w.StartsWith("--", StringComparison.Ordinal) || (w.StartsWith('-') && w.Length == 2))
            .SelectMany(static w => w.Split('/'))
            .Where(option => !options.Contains(option))
            .Select(option => $"'{option}' is no option of '{path[^1].Name}'"));
        return unknown;
    }
}
