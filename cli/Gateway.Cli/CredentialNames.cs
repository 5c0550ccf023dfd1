using System.Text.RegularExpressions;

namespace Gateway.Cli;

/// <summary>
/// The name <c>credentials put</c> and <c>rotate</c> accept, checked before the value is read or anything is sent: the
/// admin API's credential-name grammar (a letter or digit, then letters, digits, <c>._-</c>; at most 128), and nothing
/// shaped like a secret (a provider key's prefix, or a run of 32 or more letters and digits mixing both, as random tokens
/// are), which is what a value given where the name goes (<c>credentials put --tenant acme "$TOKEN"</c>) looks like. A
/// refused name is never shown.
/// </summary>
internal static partial class CredentialNames
{
    private const string ValueGoesElsewhere = "the value goes on standard input or in --from-file, never as an argument";

    /// <summary>Why <paramref name="name"/> is refused as a credential's name, not quoting it; null when it is accepted.</summary>
    public static string? Refusal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Grammar().IsMatch(name))
        {
            return $"the credential name (not shown) must be a letter or digit, then letters, digits, '.', '_' or '-', at most 128 characters; {ValueGoesElsewhere}";
        }

        return SecretShape().IsMatch(name)
            ? $"the credential name (not shown) looks like a secret (a provider key's prefix, or a run of 32 or more letters and digits mixing both): name a credential by what it is for, such as crm-key; {ValueGoesElsewhere}"
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    // A provider key's prefix and at least 16 more characters (sk-…, ghp_…, AKIA…, a JWT's eyJ…), or a run of 32 or more
    // letters and digits holding both a letter and a digit (hex and base62 tokens; names such as salesforce2024prod pass).
    [GeneratedRegex(
        "^(?:sk-|sk_|rk_|pk_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abeprs]-|hf_|AIza|AKIA|ASIA|eyJ).{16}"
        + "|(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{32,}",
        RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex SecretShape();
}
