using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Audit;
using Gateway.Admin.Options;
using Gateway.Oversight.Register;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Admin.Tokens;

/// <summary>
/// Named, revocable admin bearer tokens. The <see cref="IAdminTokenStore"/> holds only SHA-256 hashes
/// (→ name, roles, created, revoked) with each name bound to its latest token. The configured bootstrap hash
/// authenticates as <c>bootstrap</c> with role <c>admin</c> and can be revoked like any other.
/// Tokens are never logged. A token is confined to one tenant (or, for an operator, none) and may be
/// bound to one person of that tenant's register; an approver token must be both, naming a person the
/// register lists as an approver. A tenant-confined admin mints tokens for its own tenant only. Each
/// token remembers its minter (<see cref="AdminPrincipal.IssuedBy"/>): the accountable root of the chain that minted it
/// (<see cref="AdminPrincipal.MintsAs"/>), never a bound person, so that approvals count every token minted under one
/// operator-minted tenant admin as at most one person.
/// </summary>
public sealed partial class AdminTokenService
{
    /// <summary>The reserved name of the configured bootstrap token.</summary>
    public const string BootstrapName = "bootstrap";

    /// <summary>The prefix of issued tokens (recognisable in secret scanners).</summary>
    public const string TokenPrefix = "gwa_";

    private const int MaxTokenLength = 512;

    // Who revokes a removed tenant's tokens (RevokeTenantAsync), as the log names it.
    private static readonly AdminPrincipal TenantRemoved = new("tenant-removed", []);

    private readonly IAdminTokenStore _store;
    private readonly IRegisterDirectory _register;
    private readonly IKeyValueStore _state;
    private readonly TimeProvider _time;
    private readonly ILogger<AdminTokenService> _logger;
    private readonly byte[]? _bootstrapHash;
    private readonly int _maxLivePerTenant;

    public AdminTokenService(IAdminTokenStore store, IRegisterDirectory register, IStateStore state, TimeProvider time, IOptions<AdminOptions> options, ILogger<AdminTokenService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _state = state;
        _register = register;
        _time = time;
        _logger = logger;
        _maxLivePerTenant = options.Value.MaxLiveTokensPerTenant;
        if (options.Value.BootstrapTokenSha256 is { Length: 64 } hex)
        {
            _bootstrapHash = Convert.FromHexString(hex);
        }
    }

    /// <summary>Lowercase hex SHA-256 of a token's UTF-8 bytes (what configuration and the store hold).</summary>
    public static string HashToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>A fresh token: <c>gwa_</c> and 256 random bits in URL-safe base64.</summary>
    public static string NewToken() =>
        TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Issues a token as <paramref name="spec"/> says, minted by <paramref name="issuer"/>; the plaintext
    /// is in the result only. Names are per tenant: a name can be reused in its tenant (or among the operator's tokens)
    /// only after its previous token there was revoked, and is free in every other tenant. A tenant holds at most
    /// <c>Gateway:Admin:MaxLiveTokensPerTenant</c> live tokens (<see cref="AdminTokenIssueOutcome.LimitReached"/>), counted
    /// from its own tokens only; two issues at once may both pass the count, so it may be passed by the issues in flight.
    /// </summary>
    public async ValueTask<AdminTokenIssueOutcome> IssueAsync(AdminTokenSpec spec, AdminPrincipal issuer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(issuer);
        // The issuer's scope before the register: a tenant-confined issuer learns nothing about another tenant (whether it
        // exists, who its approvers are) from the answer.
        var check = CheckSyntax(spec) ?? CheckIssuer(spec, issuer) ?? CheckRegister(spec);
        if (check is not null)
        {
            return new AdminTokenIssueOutcome(null, check);
        }

        var token = NewToken();
        // A token a tenant-confined token mints inherits that token's minter: no chain of tenant tokens adds a minter.
        var record = NewRecord(spec, issuer.MintsAs) with { InheritedMinter = issuer.Tenant is null ? null : issuer.MintsAs, MintedBy = issuer.Name };
        if (spec.Tenant is not null && await FindAsync(spec.Tenant, spec.Name, cancellationToken) is { Record.Revoked: false })
        {
            return new AdminTokenIssueOutcome(null, AdminTokenIssueOutcome.NameTaken);
        }

        if (spec.Tenant is not null && (await _store.ListTenantAsync(spec.Tenant, cancellationToken)).Count(static r => !r.Revoked) >= _maxLivePerTenant)
        {
            return new AdminTokenIssueOutcome(null, AdminTokenIssueOutcome.LimitReached);
        }

        var hash = HashToken(token);
        if (!await _store.TryAddAsync(hash, record, cancellationToken))
        {
            return new AdminTokenIssueOutcome(null, AdminTokenIssueOutcome.NameTaken);
        }

        // The issuer read again now that the token is stored: revoked meanwhile (a revoke's cascade listed the tokens
        // before this one was there), what it minted is revoked too and never handed out. A cascade lists again after
        // each pass that revoked a minter, so a token stored before that listing is its to find and one stored after
        // finds its issuer revoked here.
        if (await IsRevokedAsync(issuer, cancellationToken))
        {
            await RevokeOneAsync(hash, record, issuer, [], cancellationToken);
            return new AdminTokenIssueOutcome(null, AdminTokenIssueOutcome.IssuerRevoked);
        }

        var issued = Issued(record);
        AdminLog.AdminTokenIssued(_logger, spec.Name, spec.Tenant ?? "-", string.Join(',', issued.Roles), issuer.Name);
        return new AdminTokenIssueOutcome(issued with { Token = token }, null);
    }

    /// <summary>
    /// Stores a token the host already has (the embedded demo's seeded tokens). Overwrites any token
    /// of the same name. Seeded tokens have no minter.
    /// </summary>
    public async ValueTask SeedAsync(string token, AdminTokenSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(spec);
        var check = CheckSyntax(spec) ?? CheckRegister(spec);
        if (check is not null)
        {
            throw new ArgumentException($"Cannot seed the token: {check}.", nameof(spec));
        }

        await _store.PutAsync(HashToken(token), NewRecord(spec, issuedBy: null), bindName: true, cancellationToken);
        AdminLog.AdminTokenIssued(_logger, spec.Name, spec.Tenant ?? "-", string.Join(',', spec.Roles), "seed");
    }

    /// <summary>
    /// The latest token named <paramref name="name"/> in <paramref name="tenant"/> (null: the operator's): bound to its
    /// scoped name, or, for a tenant's token issued before names were per tenant, to its plain name (and of that tenant).
    /// </summary>
    private async ValueTask<(string Hash, AdminTokenRecord Record)?> FindAsync(string? tenant, string name, CancellationToken cancellationToken)
    {
        if (await _store.FindHashAsync(AdminTokenNames.Scoped(tenant, name), cancellationToken) is { } hash
            && await _store.GetAsync(hash, cancellationToken) is { } record
            && string.Equals(record.Tenant, tenant, StringComparison.Ordinal))
        {
            return (hash, record);
        }

        if (tenant is not null
            && await _store.FindHashAsync(name, cancellationToken) is { } legacyHash
            && await _store.GetAsync(legacyHash, cancellationToken) is { } legacy
            && string.Equals(legacy.Tenant, tenant, StringComparison.Ordinal))
        {
            return (legacyHash, legacy);
        }

        return null;
    }

    /// <summary>
    /// Whether the token whose <see cref="HashToken"/> is <paramref name="hash"/> still authenticates (not revoked, its tenant in
    /// the policy in force, its person not suspended), for a session started with it that must end when it is revoked.
    /// </summary>
    public async ValueTask<bool> IsLiveAsync(string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return await _store.GetAsync(hash, cancellationToken) is { } record
            ? !record.Revoked && (record.Tenant is not { } tenant || _register.HasTenant(tenant)) && !await IsPersonSuspendedAsync(record, cancellationToken)
            : _bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hash), _bootstrapHash);
    }

    /// <summary>
    /// Revokes every live token confined to <paramref name="tenant"/>, which a bundle this replica applied no longer holds (its
    /// removal), so that a tenant later given the same slug inherits none of them; returns how many it revoked.
    /// </summary>
    public async ValueTask<int> RevokeTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var revoked = new List<AdminTokenRecord>();
        foreach (var listed in await _store.ListTenantAsync(tenant, cancellationToken))
        {
            if (!listed.Revoked && await FindAsync(tenant, listed.Name, cancellationToken) is { Record.Revoked: false } found)
            {
                await RevokeOneAsync(found.Hash, found.Record, TenantRemoved, revoked, cancellationToken);
            }
        }

        return revoked.Count;
    }

    /// <summary>Authenticates a bearer token presented to the admin API; a token bound to a suspended person is refused.</summary>
    public async ValueTask<AdminAuthResult> AuthenticateAsync(string? bearer, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(bearer))
        {
            return AdminAuthResult.Missing;
        }

        if (bearer.Length > MaxTokenLength)
        {
            return AdminAuthResult.Invalid;
        }

        var hashBytes = SHA256.HashData(Encoding.UTF8.GetBytes(bearer));
        var hash = Convert.ToHexStringLower(hashBytes);
        var record = await _store.GetAsync(hash, cancellationToken);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hashBytes, _bootstrapHash))
        {
            return record is { Revoked: true }
                ? AdminAuthResult.Revoked
                : new AdminAuthResult(AdminAuthStatus.Authenticated, new AdminPrincipal(BootstrapName, [AdminRoles.Admin]));
        }

        if (record is null)
        {
            return AdminAuthResult.Invalid;
        }

        if (record.Revoked)
        {
            return AdminAuthResult.Revoked;
        }

        return await IsPersonSuspendedAsync(record, cancellationToken)
            ? AdminAuthResult.PersonSuspended
            : new AdminAuthResult(AdminAuthStatus.Authenticated, new AdminPrincipal(record.Name, record.Roles)
            {
                Tenant = record.Tenant,
                Person = record.Person,
                IssuedBy = record.IssuedBy,
                InheritedMinter = record.InheritedMinter,
            });
    }

    // A token bound to a person acts as them: not while that person is suspended as a console user.
    private async ValueTask<bool> IsPersonSuspendedAsync(AdminTokenRecord record, CancellationToken cancellationToken) =>
        record is { Tenant: { } tenant, Person: { } person } && await ConsolePersonSuspensions.IsPersonSuspendedAsync(_state, tenant, person, cancellationToken);

    private AdminTokenRecord NewRecord(AdminTokenSpec spec, string? issuedBy) => new()
    {
        Name = spec.Name,
        Roles = spec.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
        CreatedAt = _time.GetUtcNow(),
        Tenant = spec.Tenant,
        Person = spec.Person,
        IssuedBy = issuedBy,
    };

    private static IssuedAdminToken Issued(AdminTokenRecord record) => new(record.Name, record.Roles, string.Empty, record.CreatedAt)
    {
        Tenant = record.Tenant,
        Person = record.Person,
        IssuedBy = record.IssuedBy,
        MintedBy = record.MintedBy,
    };

    private static string? CheckSyntax(AdminTokenSpec spec)
    {
        if (!Identifiers.IsValidName(spec.Name) || spec.Name == BootstrapName)
        {
            return AdminTokenIssueOutcome.InvalidName;
        }

        if (spec.Roles is null || spec.Roles.Count == 0 || spec.Roles.Any(r => !AdminRoles.IsKnown(r)))
        {
            return AdminTokenIssueOutcome.InvalidRoles;
        }

        if ((spec.Tenant is not null && !Identifiers.IsValidTenant(spec.Tenant))
            || (spec.Person is not null && !Identifiers.IsValidName(spec.Person))
            || (spec.Person is not null && spec.Tenant is null)
            || (spec.Roles.Contains(AdminRoles.Approver, StringComparer.Ordinal) && (spec.Tenant is null || spec.Person is null)))
        {
            return AdminTokenIssueOutcome.InvalidScope;
        }

        return null;
    }

    private string? CheckRegister(AdminTokenSpec spec)
    {
        if (spec.Tenant is not null && !_register.HasTenant(spec.Tenant))
        {
            return AdminTokenIssueOutcome.UnknownPerson;
        }

        return spec.Roles.Contains(AdminRoles.Approver, StringComparer.Ordinal) && !_register.IsApprover(spec.Tenant!, spec.Person!)
            ? AdminTokenIssueOutcome.UnknownPerson
            : null;
    }

    private static string? CheckIssuer(AdminTokenSpec spec, AdminPrincipal issuer) =>
        issuer.Tenant is not null && !string.Equals(spec.Tenant, issuer.Tenant, StringComparison.Ordinal)
            ? AdminTokenIssueOutcome.ScopeForbidden
            : null;

    /// <summary>
    /// Every token ever issued or seeded under a name (the latest token of each name), sorted by name;
    /// a caller confined to a tenant sees, and the store reads, that tenant's tokens only.
    /// </summary>
    public async ValueTask<IReadOnlyList<AdminTokenSummary>> ListAsync(AdminPrincipal caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var records = caller.Tenant is { } tenant ? await _store.ListTenantAsync(tenant, cancellationToken) : await _store.ListAsync(cancellationToken);
        var rows = new List<AdminTokenSummary>(records.Count);
        foreach (var record in records.OrderBy(static r => r.Name, StringComparer.Ordinal).ThenBy(static r => r.Tenant, StringComparer.Ordinal))
        {
            if (caller.Tenant is not null && !string.Equals(record.Tenant, caller.Tenant, StringComparison.Ordinal))
            {
                continue;
            }

            rows.Add(new AdminTokenSummary(record.Name, record.Roles, record.CreatedAt, record.Revoked)
            {
                Tenant = record.Tenant,
                Person = record.Person,
                IssuedBy = record.IssuedBy,
                MintedBy = record.MintedBy,
                RevokedAt = record.RevokedAt,
            });
        }

        return rows;
    }
}
