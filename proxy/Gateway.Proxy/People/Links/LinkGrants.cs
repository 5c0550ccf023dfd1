using System.Buffers.Text;
using System.Text.Json;
using System.Security.Cryptography;
using System.Text;
using Gateway.Store;

namespace Gateway.Proxy.People.Links;

/// <summary>
/// The link grants (<see cref="LinkGrant"/>): random 256-bit ids, kept in the state store under their hash for
/// <see cref="Lifetime"/>, taken once. The link URL a refusal names is <c>/connections/{tenant}/{connector}/link?grant=…</c>.
/// </summary>
internal sealed class LinkGrants
{
    /// <summary>How long a link grant may be used.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly IStateStore _store;
    private readonly TimeProvider _time;

    public LinkGrants(IStateStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>Makes a grant for the person to link their account to the connector; its id.</summary>
    public async ValueTask<string> IssueAsync(LinkedAccountKey key, CancellationToken cancellationToken)
    {
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var grant = new LinkGrant(key.Tenant, key.PersonIssuer, key.PersonSubject, key.Connector, _time.GetUtcNow() + Lifetime);
        await _store.SetAsync(GrantKey(key.Tenant, id), JsonSerializer.Serialize(grant, LinksJsonContext.Default.LinkGrant), Lifetime, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>The grant <paramref name="id"/> of the tenant while it is unused and alive, without using it; null otherwise.</summary>
    public async ValueTask<LinkGrant?> PeekAsync(string tenant, string id, CancellationToken cancellationToken) =>
        Live(id.Length is > 0 and <= 128 ? await _store.GetAsync(GrantKey(tenant, id), cancellationToken).ConfigureAwait(false) : null);

    /// <summary>Uses the grant (once): the grant when this call took it alive, else null.</summary>
    public async ValueTask<LinkGrant?> TakeAsync(string tenant, string id, CancellationToken cancellationToken) =>
        Live(id.Length is > 0 and <= 128 ? await _store.TakeAsync(GrantKey(tenant, id), cancellationToken).ConfigureAwait(false) : null);

    /// <summary>The path of the link page for a grant (the gateway's public origin goes before it).</summary>
    public static string LinkPath(string tenant, string connector, string grant) =>
        "/connections/" + Uri.EscapeDataString(tenant) + "/" + Uri.EscapeDataString(connector) + "/link?grant=" + Uri.EscapeDataString(grant);

    private LinkGrant? Live(string? json) =>
        json is not null && JsonSerializer.Deserialize(json, LinksJsonContext.Default.LinkGrant) is { } grant && grant.ExpiresAt > _time.GetUtcNow() ? grant : null;

    private static string GrantKey(string tenant, string id) => $"{StoreKeys.Prefix}{{{tenant}}}:link-grant:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))}";
}
