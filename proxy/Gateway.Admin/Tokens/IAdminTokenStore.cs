namespace Gateway.Admin.Tokens;

/// <summary>
/// Where admin tokens are kept, by the lowercase hex SHA-256 of the token, with the name of each bound to
/// its latest token, per tenant (<see cref="AdminTokenNames.Scoped"/>: the record's tenant and name).
/// Implementations: <see cref="StateStoreAdminTokenStore"/> (Redis or the embedded store) and the PostgreSQL one.
/// </summary>
public interface IAdminTokenStore
{
    /// <summary>The token with this hash, or null.</summary>
    ValueTask<AdminTokenRecord?> GetAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>The hash of the latest token bound to <paramref name="scopedName"/> (<see cref="AdminTokenNames.Scoped"/>), or null.</summary>
    ValueTask<string?> FindHashAsync(string scopedName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a new token and binds its scoped name (its tenant's) to it, unless that name is bound to a token that is
    /// not revoked: then nothing changes and the result is false.
    /// </summary>
    ValueTask<bool> TryAddAsync(string hash, AdminTokenRecord record, CancellationToken cancellationToken = default);

    /// <summary>Stores (replaces) the token with this hash; with <paramref name="bindName"/> its scoped name is bound to it too.</summary>
    ValueTask PutAsync(string hash, AdminTokenRecord record, bool bindName, CancellationToken cancellationToken = default);

    /// <summary>The latest token of every scoped name, of every tenant and the operator's.</summary>
    ValueTask<IReadOnlyList<AdminTokenRecord>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The latest token of every name of <paramref name="tenant"/> (its scoped names, and the plain names its tokens issued
    /// before names were per tenant are bound to), read without reading another tenant's tokens.
    /// </summary>
    ValueTask<IReadOnlyList<AdminTokenRecord>> ListTenantAsync(string tenant, CancellationToken cancellationToken = default);
}
