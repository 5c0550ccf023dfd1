using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What a connector that needs the person (<c>person:</c>) sends upstream in place of its service credential.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PersonCredential>))]
public enum PersonCredential
{
    /// <summary>The connector's own credential, unchanged: the person is only required to be there.</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>A person-scoped token from an RFC 8693 token exchange at the tenant's OpenID provider.</summary>
    [JsonStringEnumMemberName("token_exchange")]
    TokenExchange,

    /// <summary>That person's own credential from the vault (<c>&lt;vault_prefix&gt;.&lt;subject&gt;</c>).</summary>
    [JsonStringEnumMemberName("vault")]
    Vault,

    /// <summary>
    /// The person's own account at the upstream's OAuth authorization server, linked once (authorization code + PKCE)
    /// and held encrypted by the gateway; refused with <c>upstream_account_not_linked</c> until it is.
    /// </summary>
    [JsonStringEnumMemberName("per_person")]
    PerPerson,
}
