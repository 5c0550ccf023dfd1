namespace Gateway.Connectors.Vault;

/// <summary>The rule for credential names: 1–128 characters of <c>[A-Za-z0-9._-]</c>.</summary>
public static class CredentialName
{
    /// <summary>Longest accepted name.</summary>
    public const int MaxLength = 128;

    /// <summary>True when <paramref name="name"/> is a valid credential name.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    internal static void Ensure(string name, string parameterName)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException("credential name must be 1-128 characters of [A-Za-z0-9._-].", parameterName);
        }
    }

    internal static void EnsureTenant(string tenant, string parameterName)
    {
        if (string.IsNullOrEmpty(tenant) || tenant.Length > 128 || !tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException("tenant must be 1-128 characters of [A-Za-z0-9._-].", parameterName);
        }
    }
}
