using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads a secret reference (<c>vault:</c>, <c>env:</c>, <c>file:</c> or <c>none</c>) of an agent or a catalog entry;
/// a <c>file:</c> reference resolves against the bundle directory and must exist (fileExists: the host's
/// check, as this library reads no file; without one it is not checked). An error never quotes a value that is no
/// reference: it may be the secret itself, pasted where its reference belongs, and errors are logged and printed.
/// </summary>
internal sealed partial class SecretReferenceParser(YamlNodeReader reader, string baseDirectory, Func<string, bool>? fileExists)
{
    private readonly List<(SecretReference Reference, YamlNode Node, string What)> _vault = [];

    /// <summary>Every <c>vault:</c> reference read so far in the tenant file, with where it was written and what it is for.</summary>
    public IReadOnlyList<(SecretReference Reference, YamlNode Node, string What)> VaultReferences => _vault;

    public SecretReference? Parse(YamlNode node, string text, string what)
    {
        if (!SecretReference.TryParse(text, baseDirectory, out var reference))
        {
            reader.Error(node, BundleErrorCodes.InvalidReference, $"{what} must be a secret reference: vault:<name>, env:<VAR>, file:<path> or none (its value is not shown: it may be a secret)");
            return null;
        }

        if (reference!.Source == SecretSource.Vault)
        {
            _vault.Add((reference, node, what));
        }

        if (reference.Source == SecretSource.Environment && !EnvName().IsMatch(reference.Name))
        {
            reader.Error(node, BundleErrorCodes.InvalidReference, $"{what} must name an environment variable after env: (letters, digits and _, not starting with a digit; its value is not shown: it may be a secret)");
        }
        else if (reference.Source == SecretSource.Environment && SecretReference.IsGatewaysOwnVariable(reference.Name))
        {
            reader.Error(node, BundleErrorCodes.InvalidReference, $"{what} '{text}' names one of the gateway's own keys or settings ({SecretReference.GatewaysOwnVariablesText})");
        }

        if (reference.Source == SecretSource.File && fileExists is not null && !fileExists(reference.ResolvedPath!))
        {
            reader.Error(node, BundleErrorCodes.SecretFileMissing, $"{what} file '{reference.Name}' does not exist (resolved to {reference.ResolvedPath})");
        }

        return reference;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();
}
