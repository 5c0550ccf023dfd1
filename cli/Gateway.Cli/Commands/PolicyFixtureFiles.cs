using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary>Reads the fixture and traffic files of <c>policy test</c> and <c>policy simulate</c> for the policy library's readers, which read no file.</summary>
internal static class PolicyFixtureFiles
{
    /// <summary>The fixtures of every <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c> file under the folder <paramref name="path"/> (or of the one file), by name.</summary>
    public static IReadOnlyList<PolicyFixture> ReadFixtures(string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var folder = Directory.Exists(path);
        var files = folder
            ? Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList()
            : File.Exists(path) ? [path] : null;
        if (files is null)
        {
            errors.Add($"{path}: no such file or folder");
            return [];
        }

        var fixtures = new List<PolicyFixture>();
        foreach (var file in files)
        {
            fixtures.AddRange(FixtureReader.Read(folder ? Path.GetRelativePath(path, file) : Path.GetFileName(file), File.ReadAllText(file), errors));
        }

        if (fixtures.Count == 0 && errors.Count == 0)
        {
            errors.Add($"{path}: no fixtures found");
        }

        return fixtures;
    }

    /// <summary>The simulation cases of the audit export (JSON Lines) <paramref name="path"/>.</summary>
    public static IReadOnlyList<PolicyFixture> ReadTraffic(string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!File.Exists(path))
        {
            errors.Add($"{path}: no such file");
            return [];
        }

        return AuditTraffic.Read(path, File.ReadLines(path), errors);
    }
}
