using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// The authorization-code grant's state, all in the gateway's state store (the embedded store or Redis: every replica
/// sees it, nothing lives in one process): pending authorization requests, one-time codes, rotating refresh tokens, token
/// families and people's consents (each kept per person: issuer and subject, so the same <c>sub</c> at another issuer is
/// another person, who never reuses it). Codes and refresh tokens are kept under their SHA-256 only and taken atomically
/// (<see cref="IKeyValueStore.TakeAsync"/>), so each is redeemed once across replicas; one presented again after that
/// revokes its whole family (RFC 9700 §2.2.2, §4.14), which ends every refresh token and access token it gave. A person's
/// consent index and a consent's family index hold only what still exists: a revoked consent leaves its index, and each
/// add first drops the members whose key is gone (<see cref="StoreIndex"/>); one holding <see cref="MaxIndexed"/> live
/// members refuses another (<see cref="InteractiveIndexFullException"/>). A family whose code expired unredeemed no longer
/// counts there (InteractiveGrants.Unredeemed.cs), so codes a remembered consent gives and no client exchanges never fill
/// it. A revocation writes a new consent generation before it lists the indexes: a consent given under the one before no
/// longer stands, and a family started under a consent is given only when the consent still stands after the family is
/// indexed (<see cref="StartFamilyUnderConsentAsync"/>), so one started while the consent was revoked never outlives it,
/// whatever the replicas' clocks say.
/// </summary>
public sealed partial class InteractiveGrants
{
    /// <summary>How long a person has to sign in and consent.</summary>
    public static readonly TimeSpan RequestLifetime = TimeSpan.FromMinutes(10);

    /// <summary>How long an authorization code may wait for its exchange (short: RFC 6749 §4.1.2 recommends at most 10 minutes).</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);

    /// <summary>How long a started family may wait for its code to be issued: the code's lifetime, and half a minute.</summary>
    public static readonly TimeSpan UnredeemedFamilyLifetime = CodeLifetime + TimeSpan.FromSeconds(30);

    /// <summary>The most live consents a person holds, and live token families one consent holds, at once.</summary>
    public const int MaxIndexed = 1000;

    private static readonly TimeSpan IndexLifetime = Gateway.Policy.InteractiveAccess.MaxMaxSession;

    private readonly IStateStore _store;
    private readonly TimeProvider _time;

    public InteractiveGrants(IStateStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    public async ValueTask<string> SaveRequestAsync(PendingAuthorization request, CancellationToken cancellationToken)
    {
        var id = NewSecret();
        await _store.SetAsync(RequestKey(id), JsonSerializer.Serialize(request, InteractiveJsonContext.Default.PendingAuthorization), RequestLifetime, cancellationToken).ConfigureAwait(false);
        return id;
    }

    public async ValueTask<PendingAuthorization?> GetRequestAsync(string id, CancellationToken cancellationToken) =>
        IsToken(id) && await _store.GetAsync(RequestKey(id), cancellationToken).ConfigureAwait(false) is { } json
            ? JsonSerializer.Deserialize(json, InteractiveJsonContext.Default.PendingAuthorization)
            : null;

    /// <summary>Takes the request (once: a consent form posted twice issues one code).</summary>
    public async ValueTask<PendingAuthorization?> TakeRequestAsync(string id, CancellationToken cancellationToken) =>
        IsToken(id) && await _store.TakeAsync(RequestKey(id), cancellationToken).ConfigureAwait(false) is { } json
            ? JsonSerializer.Deserialize(json, InteractiveJsonContext.Default.PendingAuthorization)
            : null;

    /// <summary>
    /// Starts a token family for a consent: live until <paramref name="ends"/> (as the previous release keeps it), or until
    /// revoked, and marked unredeemed until its code is redeemed. Throws <see cref="InteractiveIndexFullException"/> when
    /// the consent already has <see cref="MaxIndexed"/> live families (one whose code expired unredeemed is ended first).
    /// </summary>
    public async ValueTask<string> StartFamilyAsync(string tenant, string issuer, string subject, string clientId, DateTimeOffset ends, CancellationToken cancellationToken)
    {
        var index = ConsentFamiliesKey(tenant, issuer, subject, clientId);
        await PruneFamiliesOrRefuseAsync(index, cancellationToken).ConfigureAwait(false);
        var family = NewSecret();
        await StartUnredeemedAsync(family, ends, cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(index, family, IndexLifetime, cancellationToken).ConfigureAwait(false);
        return family;
    }

    /// <summary>
    /// Starts a token family under <paramref name="consent"/> (as read or saved by the caller), then reads the consent again:
    /// null, and the family revoked, when it is no longer that consent (revoked, or revoked and given again) or no longer
    /// stands (a revocation wrote a new consent generation since the consent read its own), so a revocation that listed the
    /// consent's families before this one was indexed leaves no family live. Throws as <see cref="StartFamilyAsync"/>.
    /// </summary>
    public async ValueTask<string?> StartFamilyUnderConsentAsync(string tenant, string issuer, string subject, PersonConsent consent, DateTimeOffset ends, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var family = await StartFamilyAsync(tenant, issuer, subject, consent.ClientId, ends, cancellationToken).ConfigureAwait(false);
        // After the family is written and indexed: a revocation either lists it (and ends it) or has already deleted the
        // consent, or written a new generation (before it lists anything), which this read finds: ordered by the store alone.
        if (await GetConsentAsync(tenant, issuer, subject, consent.ClientId, cancellationToken).ConfigureAwait(false) is { } now
            && now.Granted == consent.Granted && now.Ends == consent.Ends && now.Agent == consent.Agent && now.Workspace == consent.Workspace)
        {
            return family;
        }

        await RevokeFamilyAsync(family, cancellationToken).ConfigureAwait(false);
        return null;
    }

    public async ValueTask<bool> IsFamilyLiveAsync(string family, CancellationToken cancellationToken) =>
        IsToken(family) && await _store.GetAsync(FamilyKey(family), cancellationToken).ConfigureAwait(false) is not null;

    public async ValueTask RevokeFamilyAsync(string family, CancellationToken cancellationToken) =>
        await _store.DeleteAsync(FamilyKey(family), cancellationToken).ConfigureAwait(false);

    /// <summary>A one-time code for <paramref name="grant"/>, valid <see cref="CodeLifetime"/>.</summary>
    public async ValueTask<string> IssueCodeAsync(InteractiveGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var code = NewSecret();
        await _store.SetAsync(CodeKey(code), Serialize(grant), CodeLifetime, cancellationToken).ConfigureAwait(false);
        await BindCodeAsync(grant.Family, code, grant.FamilyEnds, cancellationToken).ConfigureAwait(false);
        return code;
    }

    /// <summary>
    /// Redeems a code once: its grant, or null (also when its family was revoked or ended meanwhile). Its family is then
    /// no longer marked unredeemed. A code presented after it was redeemed revokes the family it started (the tokens it
    /// gave end with it).
    /// </summary>
    public ValueTask<InteractiveGrant?> RedeemCodeAsync(string? code, CancellationToken cancellationToken) =>
        RedeemAsync(code, CodeKey, UsedCodeKey, cancellationToken, redeemsFamily: true);

    /// <summary>A refresh token for <paramref name="grant"/>, valid until its family ends.</summary>
    public async ValueTask<string> IssueRefreshTokenAsync(InteractiveGrant grant, CancellationToken cancellationToken)
    {
        var token = NewSecret();
        await _store.SetAsync(RefreshKey(token), Serialize(grant with { RedirectUri = string.Empty, CodeChallenge = string.Empty }), Remaining(grant.FamilyEnds), cancellationToken).ConfigureAwait(false);
        return token;
    }

    /// <summary>Redeems a refresh token once (it rotates); one presented again revokes its family.</summary>
    public ValueTask<InteractiveGrant?> RedeemRefreshTokenAsync(string? token, CancellationToken cancellationToken) =>
        RedeemAsync(token, RefreshKey, UsedRefreshKey, cancellationToken);

    /// <summary>
    /// The consent the person (<paramref name="issuer"/> and <paramref name="subject"/>) gave the client, or null: also null
    /// for one given before a revocation of it (one saved while the revocation ran, which it did not find).
    /// </summary>
    public async ValueTask<PersonConsent?> GetConsentAsync(string tenant, string issuer, string subject, string clientId, CancellationToken cancellationToken) =>
        await ReadConsentAsync(ConsentKey(tenant, issuer, subject, clientId), cancellationToken).ConfigureAwait(false) is { } consent
            ? (await UnrevokedAsync(tenant, issuer, subject, [consent], cancellationToken).ConfigureAwait(false)).FirstOrDefault()
            : null;

    /// <summary>
    /// Keeps the person's consent, under the consent generations read before it is written (a revocation after that read
    /// ends it); throws <see cref="InteractiveIndexFullException"/> when they already hold <see cref="MaxIndexed"/> live consents.
    /// </summary>
    public async ValueTask SaveConsentAsync(string tenant, string issuer, string subject, PersonConsent consent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consent);
        if (await GetConsentAsync(tenant, issuer, subject, consent.ClientId, cancellationToken).ConfigureAwait(false) is null)
        {
            // A consent given again replaces its own member; a new one needs room.
            await PruneOrRefuseAsync(ConsentIndexKey(tenant, issuer, subject), c => ConsentKey(tenant, issuer, subject, c), cancellationToken).ConfigureAwait(false);
        }

        var generations = await GenerationsAsync(tenant, issuer, subject, consent.ClientId, cancellationToken).ConfigureAwait(false);
        await _store.SetAsync(ConsentKey(tenant, issuer, subject, consent.ClientId), SerializeConsent(consent, generations), Remaining(consent.Ends), cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(ConsentIndexKey(tenant, issuer, subject), consent.ClientId, IndexLifetime, cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(SubjectIssuersKey(tenant, subject), issuer, IndexLifetime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The person's live consents (none given before a revocation of it), by client id.</summary>
    public async ValueTask<IReadOnlyList<PersonConsent>> ListConsentsAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken) =>
        await UnrevokedAsync(tenant, issuer, subject,
            await ListAsync(ConsentIndexKey(tenant, issuer, subject), c => ConsentKey(tenant, issuer, subject, c), cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The live consents of <paramref name="subject"/> at every issuer, and those kept under the subject alone before
    /// consents were kept per issuer (the admin API names a subject only).
    /// </summary>
    public async ValueTask<IReadOnlyList<PersonConsent>> ListSubjectConsentsAsync(string tenant, string subject, CancellationToken cancellationToken)
    {
        var consents = new List<PersonConsent>();
        foreach (var issuer in await IssuersAsync(tenant, subject, cancellationToken).ConfigureAwait(false))
        {
            consents.AddRange(await ListConsentsAsync(tenant, issuer, subject, cancellationToken).ConfigureAwait(false));
        }

        consents.AddRange((await ListAsync(LegacyConsentIndexKey(tenant, subject), c => LegacyConsentKey(tenant, subject, c), cancellationToken).ConfigureAwait(false)).Select(static c => c.Consent));
        return consents;
    }

    /// <summary>
    /// Revokes the person's consent and every token family it started, and the subject's consent to the client kept
    /// before consents were kept per issuer (never used again, but its tokens live until revoked). True when there was one.
    /// A new consent generation is written first: a consent given under the one before (one being saved now) no longer stands.
    /// </summary>
    public async ValueTask<bool> RevokeConsentAsync(string tenant, string issuer, string subject, string clientId, CancellationToken cancellationToken)
    {
        await MarkRevokedAsync(ConsentGenerationKey(tenant, issuer, subject, clientId), ConsentRevokedKey(tenant, issuer, subject, clientId), cancellationToken).ConfigureAwait(false);
        var existed = await RevokeAsync(ConsentKey(tenant, issuer, subject, clientId), ConsentFamiliesKey(tenant, issuer, subject, clientId), cancellationToken).ConfigureAwait(false);
        // Revoked (its key deleted first): it leaves the person's index.
        await _store.SetRemoveAsync(ConsentIndexKey(tenant, issuer, subject), clientId, cancellationToken).ConfigureAwait(false);
        return existed | await RevokeAsync(LegacyConsentKey(tenant, subject, clientId), LegacyConsentFamiliesKey(tenant, subject, clientId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes the client's consent of <paramref name="subject"/> at every issuer (the admin API names a subject only). True when there was one.</summary>
    public async ValueTask<bool> RevokeSubjectConsentAsync(string tenant, string subject, string clientId, CancellationToken cancellationToken)
    {
        var existed = await RevokeAsync(LegacyConsentKey(tenant, subject, clientId), LegacyConsentFamiliesKey(tenant, subject, clientId), cancellationToken).ConfigureAwait(false);
        foreach (var issuer in await IssuersAsync(tenant, subject, cancellationToken).ConfigureAwait(false))
        {
            existed |= await RevokeConsentAsync(tenant, issuer, subject, clientId, cancellationToken).ConfigureAwait(false);
        }

        return existed;
    }

    /// <summary>
    /// Revokes every consent of the person (<paramref name="issuer"/> and <paramref name="subject"/>: signed out or removed
    /// at that provider) and every token family they started, and those kept under the subject alone before consents were
    /// kept per issuer (whose they were is not known: revoked, the fail-closed reading). The same subject at another issuer
    /// is another person, whose consents stay. A new consent generation is written before the person's index is listed: a
    /// consent given under the one before and indexed after the listing (saved while this ran) no longer stands.
    /// </summary>
    public async ValueTask<int> RevokeConsentsAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken)
    {
        var revoked = 0;
        var index = ConsentIndexKey(tenant, issuer, subject);
        await MarkRevokedAsync(ConsentsGenerationKey(tenant, issuer, subject), ConsentsRevokedKey(tenant, issuer, subject), cancellationToken).ConfigureAwait(false);
        foreach (var clientId in await _store.SetMembersAsync(index, cancellationToken).ConfigureAwait(false))
        {
            revoked += await RevokeAsync(ConsentKey(tenant, issuer, subject, clientId), ConsentFamiliesKey(tenant, issuer, subject, clientId), cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        await _store.DeleteAsync(index, cancellationToken).ConfigureAwait(false);
        var legacy = LegacyConsentIndexKey(tenant, subject);
        foreach (var clientId in await _store.SetMembersAsync(legacy, cancellationToken).ConfigureAwait(false))
        {
            revoked += await RevokeAsync(LegacyConsentKey(tenant, subject, clientId), LegacyConsentFamiliesKey(tenant, subject, clientId), cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        await _store.DeleteAsync(legacy, cancellationToken).ConfigureAwait(false);
        return revoked;
    }

    private async ValueTask<StoredConsent?> ReadConsentAsync(string key, CancellationToken cancellationToken) =>
        await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } json ? ParseConsent(json) : null;

    private async ValueTask<IReadOnlyList<StoredConsent>> ListAsync(string index, Func<string, string> consentKey, CancellationToken cancellationToken)
    {
        var consents = new List<StoredConsent>();
        foreach (var clientId in (await _store.SetMembersAsync(index, cancellationToken).ConfigureAwait(false)).Order(StringComparer.Ordinal))
        {
            if (await ReadConsentAsync(consentKey(clientId), cancellationToken).ConfigureAwait(false) is { } consent)
            {
                consents.Add(consent);
            }
        }

        return consents;
    }

    private async ValueTask<IReadOnlyList<string>> IssuersAsync(string tenant, string subject, CancellationToken cancellationToken) =>
        [.. (await _store.SetMembersAsync(SubjectIssuersKey(tenant, subject), cancellationToken).ConfigureAwait(false)).Order(StringComparer.Ordinal)];

    /// <summary>Drops the members of <paramref name="index"/> whose key is gone; throws when <see cref="MaxIndexed"/> live ones are left.</summary>
    private async ValueTask PruneOrRefuseAsync(string index, Func<string, string> keyOf, CancellationToken cancellationToken)
    {
        if (await StoreIndex.PruneAsync(_store, index, keyOf, MaxIndexed, IndexLifetime, cancellationToken).ConfigureAwait(false) >= MaxIndexed)
        {
            throw new InteractiveIndexFullException();
        }
    }

    /// <summary>Deletes a consent and every token family it started. True when there was either.</summary>
    private async ValueTask<bool> RevokeAsync(string consentKey, string familiesKey, CancellationToken cancellationToken)
    {
        var existed = await _store.DeleteAsync(consentKey, cancellationToken).ConfigureAwait(false);
        foreach (var family in await _store.SetMembersAsync(familiesKey, cancellationToken).ConfigureAwait(false))
        {
            existed |= await _store.DeleteAsync(FamilyKey(family), cancellationToken).ConfigureAwait(false);
        }

        await _store.DeleteAsync(familiesKey, cancellationToken).ConfigureAwait(false);
        return existed;
    }

    private async ValueTask<InteractiveGrant?> RedeemAsync(string? secret, Func<string, string> key, Func<string, string> usedKey, CancellationToken cancellationToken, bool redeemsFamily = false)
    {
        if (secret is null || !IsToken(secret))
        {
            return null;
        }

        // The used marker is written before the take, so it stands whenever the live key is gone: a replay landing
        // between the two still learns the family and revokes it.
        if (await _store.GetAsync(key(secret), cancellationToken).ConfigureAwait(false) is not { } json)
        {
            // Used before (or never issued, or expired): a replay revokes the family the first use belongs to.
            if (await _store.GetAsync(usedKey(secret), cancellationToken).ConfigureAwait(false) is { } family)
            {
                await RevokeFamilyAsync(family, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        var grant = JsonSerializer.Deserialize(json, InteractiveJsonContext.Default.InteractiveGrant)!;
        await _store.SetAsync(usedKey(secret), grant.Family, Remaining(grant.FamilyEnds), cancellationToken).ConfigureAwait(false);
        if (await _store.TakeAsync(key(secret), cancellationToken).ConfigureAwait(false) is null)
        {
            // Another redemption took it since the read: two presentations at once, one of them a replay.
            await RevokeFamilyAsync(grant.Family, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (grant.FamilyEnds <= _time.GetUtcNow())
        {
            return null;
        }

        // Only while the family is still there (never one revoked or ended); a code's family is then marked redeemed.
        return await (redeemsFamily
            ? RedeemFamilyAsync(grant.Family, grant.FamilyEnds, cancellationToken)
            : IsFamilyLiveAsync(grant.Family, cancellationToken)).ConfigureAwait(false) ? grant : null;
    }

    private TimeSpan Remaining(DateTimeOffset ends)
    {
        var left = ends - _time.GetUtcNow();
        return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
    }

    private static string Serialize(InteractiveGrant grant) => JsonSerializer.Serialize(grant, InteractiveJsonContext.Default.InteractiveGrant);

    private static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private static bool IsToken(string value) => value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string RequestKey(string id) => "oauth:request:" + Hash(id);

    private static string CodeKey(string code) => HashedCodeKey(Hash(code));

    private static string UsedCodeKey(string code) => HashedUsedCodeKey(Hash(code));

    private static string HashedCodeKey(string hash) => "oauth:code:" + hash;

    private static string HashedUsedCodeKey(string hash) => "oauth:code-used:" + hash;

    private static string RefreshKey(string token) => "oauth:refresh:" + Hash(token);

    private static string UsedRefreshKey(string token) => "oauth:refresh-used:" + Hash(token);

    internal static string FamilyKey(string family) => "oauth:family:" + Hash(family);

    private static string Person(string issuer, string subject) => Hash(issuer) + ":" + Hash(subject);

    private static string ConsentKey(string tenant, string issuer, string subject, string clientId) => "oauth:consent:{" + tenant + "}:" + Person(issuer, subject) + ":" + Hash(clientId);

    internal static string ConsentFamiliesKey(string tenant, string issuer, string subject, string clientId) => "oauth:consent-families:{" + tenant + "}:" + Person(issuer, subject) + ":" + Hash(clientId);

    internal static string ConsentIndexKey(string tenant, string issuer, string subject) => "oauth:consents:{" + tenant + "}:" + Person(issuer, subject);

    /// <summary>When the person's consent to the client was last revoked (UTC ticks; the previous release's order, see <see cref="ConsentGenerationKey"/>).</summary>
    private static string ConsentRevokedKey(string tenant, string issuer, string subject, string clientId) => "oauth:consent-revoked:{" + tenant + "}:" + Person(issuer, subject) + ":" + Hash(clientId);

    /// <summary>When all of the person's consents were last revoked (UTC ticks; the previous release's order, see <see cref="ConsentsGenerationKey"/>).</summary>
    private static string ConsentsRevokedKey(string tenant, string issuer, string subject) => "oauth:consents-revoked:{" + tenant + "}:" + Person(issuer, subject);

    /// <summary>The issuers at which the subject gave a consent (the admin API and a logout name a subject only).</summary>
    private static string SubjectIssuersKey(string tenant, string subject) => "oauth:consent-issuers:{" + tenant + "}:" + Hash(subject);

    // Consents kept before they were kept per issuer, under the subject alone: never read to skip the consent page, only revoked.
    private static string LegacyConsentKey(string tenant, string subject, string clientId) => "oauth:consent:{" + tenant + "}:" + Hash(subject) + ":" + Hash(clientId);

    private static string LegacyConsentFamiliesKey(string tenant, string subject, string clientId) => "oauth:consent-families:{" + tenant + "}:" + Hash(subject) + ":" + Hash(clientId);

    private static string LegacyConsentIndexKey(string tenant, string subject) => "oauth:consents:{" + tenant + "}:" + Hash(subject);
}
