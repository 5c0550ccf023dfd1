namespace Gateway.Connectors.Credentials;

/// <summary>
/// Confines <c>file:</c> credential references to the tenant's own directory under the configured
/// credentials root, <c>&lt;root&gt;/&lt;tenant&gt;/</c>. A reference is refused when no root is
/// configured, when it is written with a <c>..</c> segment, when its path (absolute, or resolved against
/// the bundle directory) lies outside the tenant's directory, and when any symbolic link on the way
/// leads out of it (so another tenant's files, the gateway's keys and the rest of the host stay out of
/// reach). Checked when a bundle is loaded (<see cref="Check(string, string, string)"/>) and again before every read of the
/// file (<see cref="CredentialResolver"/>), which catches a link swapped after the bundle was accepted.
/// Messages name the reference and the rule, never file contents.
/// </summary>
public sealed class CredentialFileConfinement
{
    private const int MaxLinkHops = 40;

    /// <param name="root">The credentials root (made absolute); null or blank refuses every <c>file:</c> reference.</param>
    public CredentialFileConfinement(string? root) =>
        Root = string.IsNullOrWhiteSpace(root) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    /// <summary>The absolute credentials root, or null when <c>file:</c> credentials are disabled.</summary>
    public string? Root { get; }

    /// <summary>
    /// Why <paramref name="tenant"/> may not use the file reference written as <paramref name="written"/>
    /// and resolved to <paramref name="path"/>; null when it may.
    /// </summary>
    public string? Check(string tenant, string written, string path)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (written.Replace('\\', '/').Split('/').Contains(".."))
        {
            return $"file credential '{written}' contains a '..' segment; name a file inside the tenant's credentials directory.";
        }

        return Check(tenant, path);
    }

    /// <summary>Why <paramref name="tenant"/> may not read <paramref name="path"/>; null when it may (the resolve-time check).</summary>
    public string? Check(string tenant, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Root is null)
        {
            return "file credentials are disabled: no credentials root is configured (Gateway:Credentials:Root); use vault: or env:, or configure the root.";
        }

        if (string.IsNullOrEmpty(tenant) || tenant is "." or ".." || tenant.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            return "file credentials need a valid tenant.";
        }

        var directory = Path.Combine(Root, tenant) + Path.DirectorySeparatorChar;
        if (!Path.IsPathFullyQualified(path) || !Path.GetFullPath(path).StartsWith(directory, StringComparison.Ordinal))
        {
            return $"file credential '{path}' is outside the tenant's credentials directory {directory}.";
        }

        var real = RealPath(Path.GetFullPath(path));
        var realDirectory = RealPath(Path.Combine(Root, tenant));
        return real is not null && realDirectory is not null && real.StartsWith(realDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? null
            : $"file credential '{path}' leads (through a symbolic link) outside the tenant's credentials directory {directory}.";
    }

    /// <summary>The path with every symbolic link on it resolved; null when links loop or nest too deep.</summary>
    private static string? RealPath(string path)
    {
        var pending = new Stack<string>(Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = Path.GetPathRoot(path) ?? Path.DirectorySeparatorChar.ToString();
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return null;
            }

            var absolute = Path.IsPathFullyQualified(target) ? target : Path.Combine(current, target);
            foreach (var segment in absolute.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(segment);
            }

            current = Path.GetPathRoot(absolute) ?? Path.DirectorySeparatorChar.ToString();
        }

        return Path.TrimEndingDirectorySeparator(current);
    }
}
