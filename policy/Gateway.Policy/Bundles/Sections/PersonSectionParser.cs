using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads what concerns the person an agent acts for: the tenant's <c>openid_provider</c> (issuer, audiences, groups claim,
/// the gateway's client for token exchange) and a catalog entry's <c>person</c> (what is sent upstream for them), and checks
/// that an entry's needs are met by the provider.
/// </summary>
internal sealed partial class PersonSectionParser(YamlNodeReader reader, SecretReferenceParser secrets)
{
    public OpenIdProvider? ParseProvider(YamlNode node)
    {
        var f = reader.Mapping(node, "openid_provider", "issuer", "audiences", "groups_claim", "client_id", "client_secret");
        if (f is null)
        {
            return null;
        }

        var issuerText = f.RequiredString("issuer");
        Uri? issuer = null;
        if (issuerText is not null)
        {
            if (!Uri.TryCreate(issuerText, UriKind.Absolute, out issuer) || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment)
                || !(issuer.Scheme == Uri.UriSchemeHttps || (issuer.Scheme == Uri.UriSchemeHttp && IsLoopback(issuer))))
            {
                reader.Error(f["issuer"]!, BundleErrorCodes.InvalidUrl,
                    $"openid_provider.issuer '{issuerText}' must be an absolute https URL without query or fragment (http only on a loopback host)");
                issuer = null;
            }
        }

        var audiences = f.Required("audiences") is { } an ? reader.StringList(an, "openid_provider.audiences").Select(a => a.Value).ToList() : [];
        if (f["audiences"] is { } audiencesNode && (audiences.Count == 0 || audiences.Exists(string.IsNullOrEmpty)))
        {
            reader.Error(audiencesNode, BundleErrorCodes.MissingRequired, "openid_provider.audiences needs at least one audience (the gateway's client id at the provider)");
        }

        var groupsClaim = f.OptionalString("groups_claim") ?? OpenIdProvider.DefaultGroupsClaim;
        if (!ClaimName().IsMatch(groupsClaim))
        {
            reader.Error(f["groups_claim"]!, BundleErrorCodes.InvalidValue, $"openid_provider.groups_claim '{groupsClaim}' must be a claim name ([A-Za-z0-9_:.-], at most 128)");
        }

        var clientId = f.OptionalString("client_id");
        var clientSecret = f["client_secret"] is { } cs && reader.String(cs, "openid_provider.client_secret") is { } csText
            ? secrets.Parse(cs, csText, "openid_provider.client_secret")
            : null;
        if ((clientId is null) != (clientSecret is null))
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, "openid_provider needs both client_id and client_secret (the gateway's client for token exchange), or neither");
        }

        return issuer is null || issuerText is null || audiences.Count == 0 ? null : new OpenIdProvider
        {
            Issuer = issuer,
            IssuerText = issuerText,
            Audiences = audiences,
            GroupsClaim = groupsClaim,
            ClientId = clientId,
            ClientSecret = clientSecret,
        };
    }

    public PersonRequirement? ParseRequirement(YamlNode node, string? entryName)
    {
        var what = $"catalog entry '{entryName}' person";
        var f = reader.Mapping(node, what, "credential", "audience", "resource", "scope", "vault_prefix");
        if (f is null)
        {
            return null;
        }

        var credential = f["credential"] is { } cn ? reader.Enum<PersonCredential>(cn, "person credential") ?? PersonCredential.None : PersonCredential.None;
        Uri? resource = null;
        if (f.OptionalString("resource") is { } resourceText && (!Uri.TryCreate(resourceText, UriKind.Absolute, out resource) || !string.IsNullOrEmpty(resource.Fragment)))
        {
            reader.Error(f["resource"]!, BundleErrorCodes.InvalidUrl, $"{what}.resource '{resourceText}' must be an absolute URI without a fragment");
            resource = null;
        }

        var requirement = new PersonRequirement
        {
            Credential = credential,
            Audience = f.OptionalString("audience"),
            Resource = resource,
            Scope = f.OptionalString("scope"),
            VaultPrefix = f.OptionalString("vault_prefix"),
        };
        switch (credential)
        {
            case PersonCredential.TokenExchange when requirement.Audience is null && requirement.Resource is null:
                reader.Error(node, BundleErrorCodes.MissingRequired, $"{what}: token_exchange needs 'audience' or 'resource' (what the person-scoped token is for)");
                break;
            case PersonCredential.Vault when requirement.VaultPrefix is null || !VaultPrefix().IsMatch(requirement.VaultPrefix):
                reader.Error(node, BundleErrorCodes.MissingRequired, $"{what}: vault needs 'vault_prefix' (1 to 64 characters of [A-Za-z0-9._-]); the person's credential is <vault_prefix>.<subject>");
                break;
        }

        if (credential != PersonCredential.TokenExchange && (f["audience"] ?? f["resource"] ?? f["scope"]) is { } stray)
        {
            reader.Error(stray, BundleErrorCodes.InvalidValue, $"{what}: audience, resource and scope apply only to credential token_exchange");
        }

        if (credential != PersonCredential.Vault && f["vault_prefix"] is { } strayPrefix)
        {
            reader.Error(strayPrefix, BundleErrorCodes.InvalidValue, $"{what}: vault_prefix applies only to credential vault");
        }

        return requirement;
    }

    /// <summary>Every entry that needs the person has a provider to verify them with, and one that exchanges tokens a client to do it as.</summary>
    public void CheckRequirements(OpenIdProvider? provider, IEnumerable<(CatalogEntry Entry, YamlNode Node)> catalog)
    {
        foreach (var (entry, node) in catalog)
        {
            if (entry.Person is not { } person)
            {
                continue;
            }

            if (provider is null)
            {
                reader.Error(node, BundleErrorCodes.DanglingReference, $"catalog entry '{entry.Name}' needs the person, but the tenant declares no openid_provider to verify them with");
            }
            else if (person.Credential == PersonCredential.TokenExchange && provider.ClientId is null)
            {
                reader.Error(node, BundleErrorCodes.DanglingReference, $"catalog entry '{entry.Name}' exchanges the person's token, but openid_provider names no client_id and client_secret to do it as");
            }
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex("^[A-Za-z0-9_:.-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex ClaimName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex VaultPrefix();
}
