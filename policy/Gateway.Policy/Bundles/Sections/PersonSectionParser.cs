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
            if (!TryProviderUrl(issuerText, out issuer))
            {
                reader.Error(f["issuer"]!, BundleErrorCodes.InvalidUrl,
                    $"openid_provider.issuer {UrlInError.Of(issuerText)} must be an absolute https URL without query or fragment (http only on a loopback host)");
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

    public PersonRequirement? ParseRequirement(YamlNode node, string? entryName, ConnectorKind? kind = null)
    {
        var what = $"catalog entry '{entryName}' person";
        var f = reader.Mapping(node, what, "credential", "audience", "resource", "scope", "vault_prefix", "authorization_server", "client", "scopes", "token_exchange", "delegated");
        if (f is null)
        {
            return null;
        }

        var credential = f["credential"] is { } cn ? reader.Enum<PersonCredential>(cn, "person credential") ?? PersonCredential.None : PersonCredential.None;
        Uri? resource = null;
        if (f.OptionalString("resource") is { } resourceText && (!Uri.TryCreate(resourceText, UriKind.Absolute, out resource) || !string.IsNullOrEmpty(resource.Fragment)))
        {
            reader.Error(f["resource"]!, BundleErrorCodes.InvalidUrl, $"{what}.resource {UrlInError.Of(resourceText)} must be an absolute URI without a fragment");
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
            case PersonCredential.PerPerson:
                requirement = ParsePerPerson(node, f, what, kind, requirement);
                break;
        }

        if (credential is not (PersonCredential.TokenExchange or PersonCredential.PerPerson) && f["resource"] is { } strayResource)
        {
            reader.Error(strayResource, BundleErrorCodes.InvalidValue, $"{what}: resource applies only to credential token_exchange or per_person");
        }

        if (credential != PersonCredential.TokenExchange && (f["audience"] ?? f["scope"]) is { } stray)
        {
            reader.Error(stray, BundleErrorCodes.InvalidValue, $"{what}: audience and scope apply only to credential token_exchange (per_person asks for 'scopes')");
        }

        if (credential != PersonCredential.PerPerson && (f["authorization_server"] ?? f["client"] ?? f["scopes"] ?? f["token_exchange"] ?? f["delegated"]) is { } strayPerPerson)
        {
            reader.Error(strayPerPerson, BundleErrorCodes.InvalidValue, $"{what}: authorization_server, client, scopes, token_exchange and delegated apply only to credential per_person");
        }

        if (credential != PersonCredential.Vault && f["vault_prefix"] is { } strayPrefix)
        {
            reader.Error(strayPrefix, BundleErrorCodes.InvalidValue, $"{what}: vault_prefix applies only to credential vault");
        }

        return requirement;
    }

    /// <summary><c>credential: per_person</c>: the upstream's authorization server, the gateway's client there, the scopes.</summary>
    private PersonRequirement ParsePerPerson(YamlNode node, YamlNodeReader.Fields f, string what, ConnectorKind? kind, PersonRequirement requirement)
    {
        if (kind is not null and not (ConnectorKind.Mcp or ConnectorKind.Http))
        {
            reader.Error(f["credential"]!, BundleErrorCodes.InvalidValue, $"{what}: per_person applies only to connectors of kind mcp or http");
        }

        Uri? server = null;
        var serverText = f.RequiredString("authorization_server");
        if (serverText is not null && !TryProviderUrl(serverText, out server))
        {
            server = null;
            reader.Error(f["authorization_server"]!, BundleErrorCodes.InvalidUrl,
                $"{what}.authorization_server {UrlInError.Of(serverText)} must be an absolute https URL without query or fragment (http only on a loopback host)");
        }

        var scopes = f["scopes"] is { } sn ? reader.StringList(sn, what + ".scopes").Select(static s => s.Value).ToList() : [];
        if (scopes.Exists(static s => !ScopeToken().IsMatch(s)))
        {
            reader.Error(f["scopes"]!, BundleErrorCodes.InvalidValue, $"{what}.scopes: each scope is 1 to 128 printable characters without spaces or quotes");
        }

        return requirement with
        {
            AuthorizationServer = server,
            AuthorizationServerText = server is null ? null : serverText,
            Client = f.Required("client") is { } cn ? ParseClient(cn, what + ".client") : null,
            Scopes = scopes,
            TokenExchange = f.OptionalBool("token_exchange", false),
            Delegated = f.OptionalBool("delegated", false),
        };
    }

    private PersonClient? ParseClient(YamlNode node, string what)
    {
        var f = reader.Mapping(node, what, "id", "secret", "metadata_document", "dynamic");
        if (f is null)
        {
            return null;
        }

        var client = new PersonClient
        {
            Id = f.OptionalString("id"),
            Secret = f["secret"] is { } sn && reader.String(sn, what + ".secret") is { } secretText ? secrets.Parse(sn, secretText, what + ".secret") : null,
            MetadataDocument = f.OptionalBool("metadata_document", false),
            Dynamic = f.OptionalBool("dynamic", false),
        };
        if ((client.Id is not null ? 1 : 0) + (client.MetadataDocument ? 1 : 0) + (client.Dynamic ? 1 : 0) != 1)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"{what} needs exactly one of: id (pre-registered, with secret for a confidential client), metadata_document: true, dynamic: true");
            return null;
        }

        if (client.Secret is not null && client.Id is null)
        {
            reader.Error(f["secret"]!, BundleErrorCodes.InvalidValue, $"{what}.secret applies only with a pre-registered id");
        }
        else if (client.Secret is { Source: not SecretSource.Vault })
        {
            reader.Error(f["secret"]!, BundleErrorCodes.InvalidReference, $"{what}.secret must be a vault: reference");
        }

        return client;
    }

    private static bool TryProviderUrl(string text, out Uri? url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url) && string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.Fragment)
        && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url)));

    /// <summary>
    /// Every entry that needs the person has a provider to verify them with, and one that exchanges tokens a client to do it
    /// as; no vault person credential's name space overlaps another credential's (<see cref="CheckVaultPrefixes"/>).
    /// </summary>
    public void CheckRequirements(OpenIdProvider? provider, IReadOnlyList<(CatalogEntry Entry, YamlNode Node)> catalog)
    {
        CheckVaultPrefixes(catalog);
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

    /// <summary>
    /// A vault person credential is <c>vault:&lt;vault_prefix&gt;.&lt;sub&gt;</c>, the sub chosen by whoever controls the
    /// person's account: a vault_prefix may therefore not be, contain as a dot-prefix, or be a dot-prefix of, the name of any
    /// <c>vault:</c> reference of the tenant (prefix <c>crm</c> and another connector's <c>vault:crm.svc</c>: the sub
    /// <c>svc</c> would be sent crm's own credential), nor of another entry's vault_prefix (<c>gh</c> and <c>gh.work</c>:
    /// the sub <c>work.alice</c> would be sent alice's <c>gh.work</c> credential). Entries with the very same vault_prefix
    /// share its name space on purpose (an MCP server and its tools, operations on one upstream). Compared ignoring case,
    /// so a vault that does not tell case apart is covered too.
    /// </summary>
    private void CheckVaultPrefixes(IReadOnlyList<(CatalogEntry Entry, YamlNode Node)> catalog)
    {
        var prefixed = catalog.Where(static c => c.Entry.Person is { Credential: PersonCredential.Vault, VaultPrefix: { } p } && VaultPrefix().IsMatch(p)).ToList();
        for (var i = 0; i < prefixed.Count; i++)
        {
            var (entry, node) = prefixed[i];
            var prefix = entry.Person!.VaultPrefix!;
            foreach (var (reference, referenceNode, what) in secrets.VaultReferences)
            {
                if (Overlaps(prefix, reference.Name))
                {
                    reader.Error(node, BundleErrorCodes.InvalidValue,
                        $"catalog entry '{entry.Name}' person vault_prefix '{prefix}' overlaps {Owner(catalog, reference, referenceNode, what)}: a person's credential is vault:{prefix}.<sub>, "
                        + "so a person with a chosen sub could be sent that credential; choose a vault_prefix that is not that name, nor its part before a '.', nor starts with it and a '.'");
                }
            }

            for (var j = i + 1; j < prefixed.Count; j++)
            {
                var (other, _) = prefixed[j];
                var otherPrefix = other.Person!.VaultPrefix!;
                if (!string.Equals(prefix, otherPrefix, StringComparison.Ordinal) && Overlaps(prefix, otherPrefix))
                {
                    reader.Error(node, BundleErrorCodes.InvalidValue,
                        $"catalog entry '{entry.Name}' person vault_prefix '{prefix}' overlaps catalog entry '{other.Name}' person vault_prefix '{otherPrefix}': "
                        + "one person's credential under the one could be named by another person's sub under the other; give them the same vault_prefix or ones that do not nest");
                }
            }
        }
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are equal or one is a dot-prefix of the other (ignoring case).</summary>
    private static bool Overlaps(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        || (b.Length > a.Length && b[a.Length] == '.' && b.StartsWith(a, StringComparison.OrdinalIgnoreCase))
        || (a.Length > b.Length && a[b.Length] == '.' && a.StartsWith(b, StringComparison.OrdinalIgnoreCase));

    /// <summary>Where a vault reference was written, for an error: its catalog entry when it is one's, else what it is and its line.</summary>
    private static string Owner(IReadOnlyList<(CatalogEntry Entry, YamlNode Node)> catalog, SecretReference reference, YamlNode node, string what)
    {
        foreach (var (entry, _) in catalog)
        {
            if (ReferenceEquals(entry.Credential, reference))
            {
                return $"catalog entry '{entry.Name}' credential '{reference}'";
            }

            if (ReferenceEquals(entry.Person?.Client?.Secret, reference))
            {
                return $"catalog entry '{entry.Name}' person client secret '{reference}'";
            }
        }

        return $"{what} '{reference}' (line {node.Start.Line})";
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex("^[A-Za-z0-9_:.-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ClaimName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex VaultPrefix();

    // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E.
    [GeneratedRegex("^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ScopeToken();
}
