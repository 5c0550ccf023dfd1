namespace Gateway.Connectors.Credentials;

/// <summary>Where a credential reference points.</summary>
public enum CredentialSource
{
    /// <summary><c>vault:&lt;name&gt;</c>: the tenant's encrypted credential vault.</summary>
    Vault,

    /// <summary><c>env:&lt;VAR&gt;</c>: an environment variable of the gateway process.</summary>
    Environment,

    /// <summary><c>file:&lt;path&gt;</c>: a file's contents, trimmed (Kubernetes secret mounts).</summary>
    File,
}
