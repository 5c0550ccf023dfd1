namespace Gateway.Policy.Bundles;

/// <summary>
/// A bundle as its host read it (this library reads no file): the directory the operator named, its tenant files in
/// load order, and the host's answer to whether a <c>file:</c> secret exists.
/// </summary>
public sealed record PolicyBundleSource
{
    /// <summary>The bundle directory as the operator named it: errors about the whole bundle name it.</summary>
    public required string Path { get; init; }

    /// <summary>Its absolute path: <c>file:</c> references resolve against it, and the loaded set names it as its source.</summary>
    public required string Directory { get; init; }

    /// <summary>The tenant files (<c>*.yaml</c>, <c>*.yml</c> directly in the directory), in load order; null when the directory does not exist.</summary>
    public required IReadOnlyList<PolicyBundleFile>? Files { get; init; }

    /// <summary>Whether the file at an absolute path exists: a <c>file:</c> secret that does not is an error.</summary>
    public required Func<string, bool> FileExists { get; init; }
}

/// <summary>One tenant file of a bundle: its name relative to the bundle directory (errors name it), its absolute path and its text.</summary>
public sealed record PolicyBundleFile(string Name, string Path, string Text);
