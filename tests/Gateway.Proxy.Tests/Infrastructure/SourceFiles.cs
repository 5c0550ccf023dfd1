namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The repository's own files under some folders, leaving out what builds, package managers and load tests write there.</summary>
public static class SourceFiles
{
    private static readonly string[] NotSources = ["node_modules", "bin", "obj", "artifacts", ".git", "reports", ".venv", "__pycache__"];

    /// <summary>Every file under <paramref name="folders"/> whose extension is one of <paramref name="extensions"/>.</summary>
    public static IEnumerable<string> Under(IEnumerable<string> folders, IReadOnlyCollection<string> extensions)
    {
        var pending = new Stack<string>(folders);
        while (pending.TryPop(out var folder))
        {
            foreach (var child in Directory.EnumerateDirectories(folder).Where(static d => !NotSources.Contains(Path.GetFileName(d), StringComparer.Ordinal)))
            {
                pending.Push(child);
            }

            foreach (var file in Directory.EnumerateFiles(folder).Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal)))
            {
                yield return file;
            }
        }
    }
}
