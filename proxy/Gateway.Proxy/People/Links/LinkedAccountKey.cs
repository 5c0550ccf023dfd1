using System.Security.Cryptography;
using System.Text;
using Gateway.Store;

namespace Gateway.Proxy.People.Links;

/// <summary>Whose link to which connector: the tenant, the person (their provider's issuer and subject) and the connector.</summary>
internal sealed record LinkedAccountKey(string Tenant, string PersonIssuer, string PersonSubject, string Connector)
{
    /// <summary>The store key of the link: a digest of the person and connector under the tenant's hash tag.</summary>
    public string StoreKey => $"{StoreKeys.Prefix}{{{Tenant}}}:linked:{Digest}";

    /// <summary>
    /// The store key of the one refresh of this link under way (a lease: one replica refreshes, the others wait); the same
    /// key as earlier versions', so that replicas of both share it during a rolling upgrade.
    /// </summary>
    public string RefreshLeaseKey => $"{StoreKeys.Prefix}{{{Tenant}}}:linked-refresh:{Digest}";

    /// <summary>The envelope's associated data: a link's ciphertext decrypts only under its own tenant, person and connector.</summary>
    public string EnvelopeContext => "linked-account:" + StoreKeys.LengthPrefixed(Tenant) + IndexMember;

    /// <summary>The index of the tenant's links: a set of <see cref="IndexMember"/>s.</summary>
    public static string IndexKey(string tenant) => $"{StoreKeys.Prefix}{{{tenant}}}:linked-index";

    /// <summary>This key as a member of <see cref="IndexKey"/> (length-prefixed, so unambiguous).</summary>
    public string IndexMember => StoreKeys.LengthPrefixed(PersonIssuer) + StoreKeys.LengthPrefixed(PersonSubject) + StoreKeys.LengthPrefixed(Connector);

    /// <summary>The key an index member names, or null when it is not one.</summary>
    public static LinkedAccountKey? FromIndexMember(string tenant, string member)
    {
        var parts = new List<string>(3);
        var at = 0;
        while (at < member.Length && parts.Count < 3)
        {
            var colon = member.IndexOf(':', at);
            if (colon < 0 || !int.TryParse(member.AsSpan(at, colon - at), out var length) || length < 0 || colon + 1 + length > member.Length)
            {
                return null;
            }

            parts.Add(member.Substring(colon + 1, length));
            at = colon + 1 + length;
        }

        return parts.Count == 3 && at == member.Length ? new LinkedAccountKey(tenant, parts[0], parts[1], parts[2]) : null;
    }

    private string Digest => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(IndexMember)));
}
