namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A private copy of <c>examples/bundle</c> in a temporary directory, with the example's fixed
/// upstream ports rewritten to the test's real Kestrel upstreams.
/// </summary>
public sealed class DemoBundle : IDisposable
{
    public const string Tenant = "demo";
    public const string Workspace = "ws-demo";
    public const string Agent = "demo-agent";

    private DemoBundle(string directory) => Directory = directory;

    public string Directory { get; }

    public string MainFile => Path.Combine(Directory, "demo.yaml");

    /// <summary>The demo agent's runtime secret, as the example ships it.</summary>
    public string AgentSecret => File.ReadAllText(Path.Combine(Directory, "secrets", "demo-agent.secret")).Trim();

    /// <summary>Copies the example bundle; each (example URL prefix → real URL prefix) pair is rewritten.</summary>
    public static DemoBundle Create(IReadOnlyDictionary<string, string>? upstreams = null)
    {
        var source = Path.Combine(RepositoryRoot.Path, "examples", "bundle");
        var target = Path.Combine(Path.GetTempPath(), "gw-bundle-" + Guid.NewGuid().ToString("N"));
        CopyDirectory(source, target);
        var bundle = new DemoBundle(target);
        if (upstreams is not null)
        {
            bundle.Rewrite(text =>
            {
                foreach (var pair in upstreams)
                {
                    text = text.Replace(pair.Key, pair.Value, StringComparison.Ordinal);
                }

                return text;
            });
        }

        return bundle;
    }

    /// <summary>Rewrites the main bundle file in place (the gateway hot-reloads it).</summary>
    public void Rewrite(Func<string, string> change)
    {
        var text = File.ReadAllText(MainFile);
        File.WriteAllText(MainFile + ".tmp", change(text));
        File.Move(MainFile + ".tmp", MainFile, overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var directory in System.IO.Directory.EnumerateDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
        }
    }
}
