using System.Diagnostics.CodeAnalysis;

namespace Gateway.Connectors.Credentials;

/// <summary>A parsed credential reference: <c>vault:&lt;name&gt;</c>, <c>env:&lt;VAR&gt;</c> or <c>file:&lt;path&gt;</c>.</summary>
/// <param name="Source">Where the credential lives.</param>
/// <param name="Target">The vault name, variable name or absolute path.</param>
public sealed record CredentialReference(CredentialSource Source, string Target)
{
    /// <summary>Parses a reference; <paramref name="error"/> says what is wrong (never echoing the text).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out CredentialReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "credential reference is empty.";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? text[..colon] : string.Empty;
        var target = colon > 0 ? text[(colon + 1)..] : string.Empty;
        switch (scheme)
        {
            case "vault" when Vault.CredentialName.IsValid(target):
                reference = new CredentialReference(CredentialSource.Vault, target);
                return true;
            case "vault":
                error = "vault credential name must be 1-128 characters of [A-Za-z0-9._-].";
                return false;
            case "env" when IsGatewaysOwn(target):
                error = $"env credential may not name one of the gateway's own keys or settings ({Gateway.Policy.SecretReference.GatewaysOwnVariablesText}).";
                return false;
            case "env" when target.Length > 0 && target.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'):
                reference = new CredentialReference(CredentialSource.Environment, target);
                return true;
            case "env":
                error = "env credential must name a variable of [A-Za-z0-9_].";
                return false;
            case "file" when Path.IsPathFullyQualified(target):
                reference = new CredentialReference(CredentialSource.File, target);
                return true;
            case "file":
                error = "file credential must be an absolute path.";
                return false;
            default:
                error = "credential reference must start with 'vault:', 'env:' or 'file:'.";
                return false;
        }
    }

    // A connector naming one of the gateway's own variables would send a key of the gateway's upstream.
    private static bool IsGatewaysOwn(string variable) => Gateway.Policy.SecretReference.IsGatewaysOwnVariable(variable);

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static CredentialReference Parse(string text) =>
        TryParse(text, out var reference, out var error) ? reference : throw new FormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Source switch
    {
        CredentialSource.Vault => "vault:" + Target,
        CredentialSource.Environment => "env:" + Target,
        _ => "file:" + Target,
    };
}
