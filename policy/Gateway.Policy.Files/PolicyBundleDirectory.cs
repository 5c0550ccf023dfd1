using Gateway.Policy.Bundles;

namespace Gateway.Policy.Files;

/// <summary>
/// Reads a bundle directory (one YAML file per tenant, <c>*.yaml</c>/<c>*.yml</c> directly in it) for
/// <see cref="PolicyBundleLoader"/>, which reads no file: the gateway and <c>gatewayctl</c> load bundles through here.
/// </summary>
public static class PolicyBundleDirectory
{
    /// <summary>Loads the bundle in <paramref name="path"/>, the set stamped with <paramref name="time"/>'s now.</summary>
    public static BundleLoadResult Load(string path, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return PolicyBundleLoader.Load(Read(path), time.GetUtcNow());
    }

    /// <summary>The tenant files of <paramref name="path"/> in ordinal order, read; none when it does not exist.</summary>
    public static PolicyBundleSource Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetFullPath(path);
        IReadOnlyList<PolicyBundleFile>? files = Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory, "*.*", SearchOption.TopDirectoryOnly)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .Select(f => new PolicyBundleFile(Path.GetRelativePath(directory, f), f, File.ReadAllText(f)))]
            : null;
        return new PolicyBundleSource { Path = path, Directory = directory, Files = files, FileExists = File.Exists };
    }

    /// <summary>Loads the one tenant file <paramref name="path"/> (<c>file:</c> references resolve against its directory).</summary>
    public static TenantLoadResult LoadTenantFile(string path)
    {
        var full = Path.GetFullPath(path);
        return PolicyBundleLoader.LoadTenantText(Path.GetFileName(full), File.ReadAllText(full), Path.GetDirectoryName(full)!, File.Exists);
    }
}
