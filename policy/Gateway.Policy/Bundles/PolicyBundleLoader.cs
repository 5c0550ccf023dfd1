using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Loads a bundle directory (one YAML file per tenant, <c>*.yaml</c>/<c>*.yml</c> directly in it) with strict
/// validation that reports every error with file, line and column. A set is returned only when there are none.
/// </summary>
public sealed class PolicyBundleLoader
{
    private readonly TimeProvider _time;

    public PolicyBundleLoader(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Loads the bundle in <paramref name="path"/>.</summary>
    public static BundleLoadResult LoadDirectory(string path, TimeProvider? time = null) => new PolicyBundleLoader(time).Load(path);

    /// <summary>Loads the bundle in <paramref name="path"/>.</summary>
    public BundleLoadResult Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetFullPath(path);
        var errors = new List<BundleError>();
        if (!Directory.Exists(directory))
        {
            errors.Add(new BundleError(path, 0, 0, BundleErrorCodes.BundleNotFound, $"bundle directory '{path}' does not exist"));
            return new BundleLoadResult { Errors = errors };
        }

        var files = Directory.EnumerateFiles(directory, "*.*", SearchOption.TopDirectoryOnly)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            errors.Add(new BundleError(path, 0, 0, BundleErrorCodes.EmptyBundle, $"bundle directory '{path}' holds no .yaml/.yml tenant files"));
            return new BundleLoadResult { Errors = errors };
        }

        var tenants = new List<TenantPolicy>();
        var slugs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var tenant = LoadTenant(Path.GetRelativePath(directory, file), File.ReadAllText(file), directory, errors, file);
            if (tenant is null)
            {
                continue;
            }

            if (slugs.TryGetValue(tenant.Slug, out var other))
            {
                errors.Add(new BundleError(Path.GetRelativePath(directory, file), 1, 1, BundleErrorCodes.DuplicateTenant, $"tenant '{tenant.Slug}' is also defined in {other}"));
                continue;
            }

            slugs[tenant.Slug] = Path.GetRelativePath(directory, file);
            tenants.Add(tenant);
        }

        return errors.Count > 0
            ? new BundleLoadResult { Errors = errors }
            : new BundleLoadResult { Set = PolicySet.Create(tenants, _time.GetUtcNow(), directory), Errors = [] };
    }

    /// <summary>
    /// Parses one tenant file's text. <paramref name="fileName"/> is used in errors; file references resolve against
    /// <paramref name="baseDirectory"/>.
    /// </summary>
    public static TenantLoadResult LoadTenantText(string fileName, string yaml, string baseDirectory)
    {
        var errors = new List<BundleError>();
        var tenant = LoadTenant(fileName, yaml, baseDirectory, errors, null);
        return new TenantLoadResult { Tenant = errors.Count == 0 ? tenant : null, Errors = errors };
    }

    private static TenantPolicy? LoadTenant(string fileName, string yaml, string baseDirectory, List<BundleError> errors, string? sourceFile)
    {
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
        var before = errors.Count;
        var register = new TenantFileParser(new YamlNodeReader(fileName, errors), baseDirectory).Parse(root);
        if (register is null || errors.Count > before)
        {
            return null;
        }

        return TenantPolicy.Create(register, PolicyDigest.Compute(root), sourceFile);
    }
}
