using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Loads a bundle (one YAML file per tenant, <c>*.yaml</c>/<c>*.yml</c> directly in its directory) with strict
/// validation that reports every error with file, line and column. A set is returned only when there are none.
/// The host reads the files (<see cref="PolicyBundleSource"/>); nothing here touches the file system or the clock.
/// </summary>
public static class PolicyBundleLoader
{
    /// <summary>Loads the bundle <paramref name="source"/> holds; the set is stamped <paramref name="loadedAt"/>.</summary>
    public static BundleLoadResult Load(PolicyBundleSource source, DateTimeOffset loadedAt)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequireAbsolute(source.Directory);
        var errors = new List<BundleError>();
        if (source.Files is null)
        {
            errors.Add(new BundleError(source.Path, 0, 0, BundleErrorCodes.BundleNotFound, $"bundle directory '{source.Path}' does not exist"));
            return new BundleLoadResult { Errors = errors };
        }

        if (source.Files.Count == 0)
        {
            errors.Add(new BundleError(source.Path, 0, 0, BundleErrorCodes.EmptyBundle, $"bundle directory '{source.Path}' holds no .yaml/.yml tenant files"));
            return new BundleLoadResult { Errors = errors };
        }

        var tenants = new List<TenantPolicy>();
        var slugs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in source.Files)
        {
            var tenant = LoadTenant(file.Name, file.Text, source.Directory, source.FileExists, errors, file.Path);
            if (tenant is null)
            {
                continue;
            }

            if (slugs.TryGetValue(tenant.Slug, out var other))
            {
                errors.Add(new BundleError(file.Name, 1, 1, BundleErrorCodes.DuplicateTenant, $"tenant '{tenant.Slug}' is also defined in {other}"));
                continue;
            }

            slugs[tenant.Slug] = file.Name;
            tenants.Add(tenant);
        }

        return errors.Count > 0
            ? new BundleLoadResult { Errors = errors }
            : new BundleLoadResult { Set = PolicySet.Create(tenants, loadedAt, source.Directory), Errors = [] };
    }

    /// <summary>
    /// Parses one tenant file's text. <paramref name="fileName"/> is used in errors; file references resolve against
    /// <paramref name="baseDirectory"/> (an absolute path), and with <paramref name="fileExists"/> (the host's check) one to a
    /// missing file is an error.
    /// </summary>
    public static TenantLoadResult LoadTenantText(string fileName, string yaml, string baseDirectory, Func<string, bool>? fileExists = null)
    {
        RequireAbsolute(baseDirectory);
        var errors = new List<BundleError>();
        var tenant = LoadTenant(fileName, yaml, baseDirectory, fileExists, errors, null);
        return new TenantLoadResult { Tenant = errors.Count == 0 ? tenant : null, Errors = errors };
    }

    private static TenantPolicy? LoadTenant(string fileName, string yaml, string baseDirectory, Func<string, bool>? fileExists, List<BundleError> errors, string? sourceFile)
    {
        if (TooDeep(yaml) is { } deep)
        {
            // YamlStream reads nesting by recursion: a file of a hundred thousand '[' would end the process (a stack
            // overflow cannot be caught), on every replica that reads the bundle, at every start.
            errors.Add(new BundleError(fileName, (int)deep.Line, (int)deep.Column, BundleErrorCodes.YamlSyntax, $"the file nests deeper than {MaxNesting} levels"));
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add(new BundleError(fileName, (int)ex.Start.Line, (int)ex.Start.Column, BundleErrorCodes.YamlSyntax, ex.InnerException?.Message ?? ex.Message));
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this for some malformed flow collections, without a position.
            errors.Add(new BundleError(fileName, 1, 1, BundleErrorCodes.YamlSyntax, $"the file is not valid YAML ({ex.Message})"));
            return null;
        }

        if (stream.Documents.Count != 1)
        {
            errors.Add(new BundleError(fileName, 1, 1, BundleErrorCodes.YamlSyntax, $"a tenant file holds exactly one YAML document, not {stream.Documents.Count}"));
            return null;
        }

        var root = stream.Documents[0].RootNode;
        if (FirstAnchored(root) is { } anchored)
        {
            // An alias is one node reached twice: every reader after this one (JSON conversion, the digest) writes it out
            // in full, so a few hundred bytes of aliases to aliases would grow to gigabytes.
            errors.Add(new BundleError(fileName, (int)anchored.Start.Line, (int)anchored.Start.Column, BundleErrorCodes.YamlSyntax, "anchors and aliases are not allowed in a tenant file; write each value out"));
            return null;
        }

        var before = errors.Count;
        var register = new TenantFileParser(new YamlNodeReader(fileName, errors), baseDirectory, fileExists).Parse(root);
        if (register is null || errors.Count > before)
        {
            return null;
        }

        return TenantPolicy.Create(register, PolicyDigest.Compute(root), sourceFile);
    }

    // The first node in document order that carries an anchor (an alias can only follow its anchor), or null.
    private static YamlNode? FirstAnchored(YamlNode root)
    {
        var pending = new Stack<YamlNode>();
        pending.Push(root);
        while (pending.TryPop(out var node))
        {
            if (!node.Anchor.IsEmpty)
            {
                return node;
            }

            var children = node switch
            {
                YamlMappingNode mapping => mapping.Children.SelectMany(static c => (YamlNode[])[c.Key, c.Value]),
                YamlSequenceNode sequence => sequence.Children,
                _ => [],
            };
            foreach (var child in children.Reverse())
            {
                pending.Push(child);
            }
        }

        return null;
    }

    // file: references resolve against the bundle's directory, never against the process's current one.
    private static void RequireAbsolute(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Path.IsPathFullyQualified(directory))
        {
            throw new ArgumentException($"The bundle directory '{directory}' is not an absolute path: the host resolves it.", nameof(directory));
        }
    }

    /// <summary>The deepest nesting of mappings and sequences a tenant file may have (a schema in a catalog entry nests a few levels).</summary>
    public const int MaxNesting = 64;

    // Where the file first nests past MaxNesting, read event by event (the parser keeps its own stack, never the thread's);
    // null when it does not, or when it is malformed before then (the loader reports that).
    private static Mark? TooDeep(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart or SequenceStart when ++depth > MaxNesting:
                        return parser.Current.Start;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }
}
