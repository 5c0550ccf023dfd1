using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Admin.Tokens;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Console;

/// <summary>
/// The console's server-side sessions in the shared state store, so any replica serves them. The cookie holds a random
/// 256-bit id; the store keys hold only its SHA-256. Every session of a person is listed under the tenant and subject,
/// so suspending the person deletes them all at once; a suspended person's mark also refuses sign-in and any session
/// a replica still finds, so a session ends even if it was created while the suspension was being written. A session
/// with the provider's session id (<c>sid</c>) is also listed under it, so a back-channel logout ends the sessions of one
/// provider session (<see cref="EndProviderSessionsAsync"/>); an ended <c>sid</c> is marked, as a suspension is. The roles
/// of a session signed in at the provider are computed from its groups on every read (<see cref="ConsoleRoleMap"/>); a
/// session started with an admin token ends on the first read after the token is revoked, and one signed in at the provider
/// ends on the first read after the tenant's provider is no longer the issuer that signed it in (the bundle moved the
/// tenant to another provider, or took its console sign-in away). The tenant's people who signed in or were suspended
/// are listed under the tenant (their subjects), for <see cref="ListAsync"/>.
/// </summary>
internal sealed class ConsoleSessions
{
    /// <summary>The session cookie (path <c>/console</c>, HttpOnly, SameSite=Lax, Secure over https).</summary>
    public const string CookieName = "gamut_console";

    private readonly IStateStore _store;
    private readonly ConsoleOptions _options;
    private readonly ConsoleRoleMap _roles;
    private readonly AdminTokenService _tokens;
    private readonly PolicyProvider _policy;
    private readonly TimeProvider _time;

    public ConsoleSessions(IStateStore store, IOptions<ConsoleOptions> options, ConsoleRoleMap roles, AdminTokenService tokens, PolicyProvider policy, TimeProvider time)
    {
        _store = store;
        _policy = policy;
        _tokens = tokens;
        _options = options.Value;
        _roles = roles;
        _time = time;
    }

    /// <summary>Creates a session and sets its cookie.</summary>
    public async ValueTask<ConsoleSession> StartAsync(
        HttpContext context, string tenant, string subject, string issuer, string person, IReadOnlyList<string> roles,
        string? issuedBy = null, IReadOnlyList<string>? groups = null, string? sid = null, string? adminToken = null)
    {
        var id = RandomToken();
        var session = new ConsoleSession
        {
            Tenant = tenant,
            Subject = subject,
            Issuer = issuer,
            Person = person,
            Roles = roles,
            Groups = groups,
            Sid = sid,
            IssuedBy = issuedBy,
            AdminToken = adminToken,
            Csrf = RandomToken(),
            ExpiresAt = _time.GetUtcNow() + _options.SessionLifetime,
        };
        var key = SessionKey(id);
        await _store.SetAsync(key, JsonSerializer.Serialize(session, ConsoleJsonContext.Default.ConsoleSession), _options.SessionLifetime, context.RequestAborted);
        await _store.SetAddAsync(PersonKey(tenant, subject), key, _options.SessionLifetime, context.RequestAborted);
        if (sid is not null)
        {
            await _store.SetAddAsync(SidKey(tenant, sid), key, _options.SessionLifetime, context.RequestAborted);
        }

        await _store.SetAddAsync(PeopleKey(tenant), subject, expiry: null, context.RequestAborted);
        // The person's tokens (an approver token bound to them) stop acting as them while this subject is suspended.
        await ConsolePersonSuspensions.RememberAsync(_store, tenant, subject, person, context.RequestAborted);
        ConsoleCookies.Append(context, CookieName, id, _options.SessionLifetime);
        return session;
    }

    /// <summary>
    /// The request's session, if it has a live one (null: sign in), with its roles as the current configuration gives
    /// them (none left: the caller ends it); the session of a suspended person, of an ended provider session or of a
    /// provider the tenant no longer signs in with is deleted here.
    /// </summary>
    public async ValueTask<ConsoleSession?> CurrentAsync(HttpContext context)
    {
        if (ConsoleCookies.Read(context, CookieName) is not { Length: > 0 and <= 128 } id)
        {
            return null;
        }

        var key = SessionKey(id);
        var json = await _store.GetAsync(key, context.RequestAborted);
        if (json is null)
        {
            return null;
        }

        var session = JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession);
        if (session is null || session.ExpiresAt <= _time.GetUtcNow() || !IsOfCurrentIssuer(session))
        {
            await _store.DeleteAsync(key, context.RequestAborted);
            return null;
        }

        var marks = await _store.GetManyAsync(
            session.Sid is null ? [SuspendedKey(session.Tenant, session.Subject)] : [SuspendedKey(session.Tenant, session.Subject), EndedSidKey(session.Tenant, session.Sid)],
            context.RequestAborted);
        if (marks.Any(static mark => mark is not null)
            || (session.AdminToken is { } token && !await _tokens.IsLiveAsync(token, context.RequestAborted)))
        {
            await _store.DeleteAsync(key, context.RequestAborted);
            return null;
        }

        return session.Groups is { } groups ? session with { Roles = _roles.RolesOf(session.Tenant, groups) } : session;
    }

    /// <summary>
    /// A back-channel logout from the tenant's provider (<paramref name="issuer"/>): ends the sessions of the provider
    /// session <paramref name="sid"/> (of <paramref name="subject"/>, when both are given; the <c>sid</c> is also marked ended,
    /// so a session started from it in the meantime ends on its next request), or every session of <paramref name="subject"/>.
    /// Returns how many sessions ended, and the subjects of the sessions found (a logout token may name only the <c>sid</c>:
    /// these are the people whose provider session ended).
    /// </summary>
    public async ValueTask<(int Ended, IReadOnlyList<string> Subjects)> EndProviderSessionsAsync(string tenant, string issuer, string? subject, string? sid, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> keys;
        if (sid is not null)
        {
            await _store.SetAsync(EndedSidKey(tenant, sid), "1", _options.SessionLifetime, cancellationToken);
            keys = await _store.SetMembersAsync(SidKey(tenant, sid), cancellationToken);
        }
        else
        {
            keys = await _store.SetMembersAsync(PersonKey(tenant, subject!), cancellationToken);
        }

        var ended = 0;
        var subjects = new List<string>();
        var found = keys.Count == 0 ? [] : await _store.GetManyAsync(keys, cancellationToken);
        for (var i = 0; i < keys.Count; i++)
        {
            var session = found[i] is { } json ? JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession) : null;
            if (session is null
                || !string.Equals(session.Issuer, issuer, StringComparison.Ordinal)
                || (subject is not null && !string.Equals(session.Subject, subject, StringComparison.Ordinal))
                || (sid is not null && !string.Equals(session.Sid, sid, StringComparison.Ordinal)))
            {
                continue;
            }

            if (!subjects.Contains(session.Subject, StringComparer.Ordinal))
            {
                subjects.Add(session.Subject);
            }

            if (await _store.DeleteAsync(keys[i], cancellationToken))
            {
                ended++;
            }
        }

        return (ended, subjects);
    }

    /// <summary>Ends the request's session (sign-out) and clears its cookie.</summary>
    public async ValueTask EndAsync(HttpContext context)
    {
        if (ConsoleCookies.Read(context, CookieName) is { Length: > 0 and <= 128 } id)
        {
            await _store.DeleteAsync(SessionKey(id), context.RequestAborted);
        }

        ConsoleCookies.Delete(context, CookieName);
    }

    public ValueTask<bool> IsSuspendedAsync(string tenant, string subject, CancellationToken cancellationToken) =>
        Gateway.Proxy.People.PersonSuspensions.IsSuspendedAsync(_store, tenant, subject, cancellationToken);

    /// <summary>
    /// Suspends a person of the tenant: their sessions end now, they cannot sign in until resumed, and the tokens bound to the
    /// person they signed in as are refused (<see cref="ConsolePersonSuspensions"/>). Returns how many sessions ended.
    /// </summary>
    public async ValueTask<int> SuspendAsync(string tenant, string subject, CancellationToken cancellationToken)
    {
        await _store.SetAsync(SuspendedKey(tenant, subject), "1", expiry: null, cancellationToken);
        await _store.SetAddAsync(PeopleKey(tenant), subject, expiry: null, cancellationToken);
        var ended = 0;
        foreach (var key in await _store.SetMembersAsync(PersonKey(tenant, subject), cancellationToken))
        {
            // A session started before subjects were remembered under their person still names its person.
            if (await _store.GetAsync(key, cancellationToken) is { } json && JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession) is { } session)
            {
                await ConsolePersonSuspensions.RememberAsync(_store, tenant, subject, session.Person, cancellationToken);
            }

            if (await _store.DeleteAsync(key, cancellationToken))
            {
                ended++;
            }
        }

        await _store.DeleteAsync(PersonKey(tenant, subject), cancellationToken);
        return ended;
    }

    public async ValueTask ResumeAsync(string tenant, string subject, CancellationToken cancellationToken) =>
        await _store.DeleteAsync(SuspendedKey(tenant, subject), cancellationToken);

    /// <summary>
    /// The tenant's console users (everyone who signed in or was suspended), by subject: the person and roles of a live
    /// session when one exists, whether suspended, and how many sessions are live. Never a session id or a CSRF token.
    /// </summary>
    public async ValueTask<IReadOnlyList<ConsoleUserInfo>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var users = new List<ConsoleUserInfo>();
        foreach (var subject in (await _store.SetMembersAsync(PeopleKey(tenant), cancellationToken)).Order(StringComparer.Ordinal))
        {
            var keys = await _store.SetMembersAsync(PersonKey(tenant, subject), cancellationToken);
            var live = keys.Count == 0 ? [] : (await _store.GetManyAsync(keys, cancellationToken))
                .OfType<string>()
                .Select(static json => JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession))
                .Where(session => session is not null && session.ExpiresAt > _time.GetUtcNow() && IsOfCurrentIssuer(session))
                .ToList();
            var first = live.FirstOrDefault();
            var roles = first?.Groups is { } groups ? _roles.RolesOf(tenant, groups) : first?.Roles;
            users.Add(new ConsoleUserInfo(subject, first?.Person, roles, await IsSuspendedAsync(tenant, subject, cancellationToken), live.Count));
        }

        return users;
    }

    /// <summary>
    /// Whether the session was signed in at the tenant's current console provider: its issuer is that provider's (a bundle
    /// that moves the tenant to another provider, or takes its console sign-in away, ends the sessions of the old one). A
    /// session started with an admin token carries <see cref="InteractiveAccess.AdminTokenIssuer"/> and answers to its token instead.
    /// </summary>
    private bool IsOfCurrentIssuer(ConsoleSession session) =>
        string.Equals(session.Issuer, InteractiveAccess.AdminTokenIssuer, StringComparison.Ordinal)
        || ConsoleSignIn.IsProviderOf(_options, _policy, session.Tenant, session.Issuer);

    /// <summary>True when <paramref name="presented"/> is the session's CSRF token (constant time).</summary>
    public static bool CsrfMatches(ConsoleSession session, string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.Csrf), Encoding.UTF8.GetBytes(presented));

    /// <summary>32 random bytes, base64url.</summary>
    public static string RandomToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string SessionKey(string id) => "console:session:" + Hash(id);

    private static string PersonKey(string tenant, string subject) => "console:person:" + tenant + ":" + Hash(subject);

    private static string PeopleKey(string tenant) => "console:people:" + tenant;

    private static string SidKey(string tenant, string sid) => "console:sid:" + tenant + ":" + Hash(sid);

    private static string EndedSidKey(string tenant, string sid) => "console:sid-ended:" + tenant + ":" + Hash(sid);

    private static string SuspendedKey(string tenant, string subject) => Gateway.Proxy.People.PersonSuspensions.Key(tenant, subject);
}
