namespace Gateway.Policy;

/// <summary>Where a referenced secret lives.</summary>
public enum SecretSource
{
    /// <summary>No secret (e.g. an upstream that needs no credential).</summary>
    None,

    /// <summary><c>vault:&lt;name&gt;</c>: the host's secret vault.</summary>
    Vault,

    /// <summary><c>env:&lt;VAR&gt;</c>: an environment variable of the gateway process.</summary>
    Environment,

    /// <summary><c>file:&lt;path&gt;</c>: a file, relative to the bundle directory.</summary>
    File,
}
