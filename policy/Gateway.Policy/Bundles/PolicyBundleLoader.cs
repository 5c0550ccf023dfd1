namespace Gateway.Policy.Bundles;

/// <summary>Loads a bundle directory (one YAML file per tenant) with strict validation that reports every error.</summary>
public sealed class PolicyBundleLoader
{
    private readonly TimeProvider _time;

    public PolicyBundleLoader(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Loads every <c>*.yaml</c>/<c>*.yml</c> file directly in <paramref name="path"/>.</summary>
    public static BundleLoadResult LoadDirectory(string path, TimeProvider? time = null) => new PolicyBundleLoader(time).Load(path);

    public BundleLoadResult Load(string path)
    {
        _ = _time;
        throw new NotImplementedException(path);
    }
}
