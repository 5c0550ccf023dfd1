using System.Buffers.Text;
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
/// 256-bit id; the store keys hold only its SHA-256 (<see cref="ConsoleSessionKeys"/>). A console user is the issuer that
/// signed them in and their subject there (a Development admin-token sign-in is issuer <c>admin-token</c>): every session
/// of a user is listed under the tenant, issuer and subject, so suspending the user deletes them all at once; a suspended
/// user's mark (<see cref="ConsolePersonSuspensions"/>) also refuses sign-in and any session a replica still finds, so a
/// session ends even if it was created while the suspension was being written. A session with the provider's session id
/// (<c>sid</c>) is also listed under the issuer and <c>sid</c>, so a back-channel logout ends the sessions of one provider
/// session (<see cref="EndProviderSessionsAsync"/>); an ended <c>sid</c> is marked, as a suspension is, and so is a subject a
/// logout names without a <c>sid</c> (<see cref="ConsoleSubjectLogouts"/>: the sessions it signed in before ending); and the subjects a
/// <c>sid</c> signed in are kept for as long as anything started from it can act (<see cref="InteractiveAccess.MaxMaxSession"/>,
/// or the session lifetime if longer), so a logout naming only the <c>sid</c> finds its people after their sessions ended.
/// The roles of a session signed in at the provider are computed from its groups on every read (<see cref="ConsoleRoleMap"/>);
/// a session started with an admin token ends on the first read after the token is revoked, and one signed in at the
/// provider ends on the first read after the tenant's provider is no longer the issuer that signed it in. The tenant's
/// users who signed in or were suspended are listed under the tenant, for <see cref="ListAsync"/>. What an earlier version
/// indexed by subject or <c>sid</c> alone is still read, in the fail-closed direction. The user's and the <c>sid</c>'s
/// indexes hold only sessions that still exist: a session ended here leaves them, and a sign-in first drops those whose key
/// is gone (<see cref="StoreIndex"/>); a user already holding <see cref="MaxSessionsPerUser"/> sessions first has those no
/// longer live ended, then their least recently seen one (<see cref="MakeRoomAsync"/>), so a sign-in is never refused for it.
/// </summary>
internal sealed partial class ConsoleSessions
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

    /// <summary>The most sessions one user holds at once: a sign-in at it ends the idle ones, then the least recently seen (ended, never only forgotten).</summary>
    public const int MaxSessionsPerUser = 1000;

    /// <summary>How often a live session's last request is written back (the idle expiry's resolution).</summary>
    private static readonly TimeSpan SeenRefresh = TimeSpan.FromMinutes(1);

    /// <summary>How long the subjects of a <c>sid</c> are kept: the longest a session or a client's consent started from it lasts.</summary>
    private TimeSpan SidSubjectsLifetime => _options.SessionLifetime > InteractiveAccess.MaxMaxSession ? _options.SessionLifetime : InteractiveAccess.MaxMaxSession;

    /// <summary>Creates a session and sets its cookie; a user already holding <see cref="MaxSessionsPerUser"/> sessions has room made first.</summary>
    public async ValueTask<ConsoleSession> StartAsync(
        HttpContext context, string tenant, string subject, string issuer, string person, IReadOnlyList<string> roles,
        string? issuedBy = null, IReadOnlyList<string>? groups = null, string? sid = null, string? adminToken = null, string? idToken = null)
    {
        var id = RandomToken();
        var now = _time.GetUtcNow();
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
            ExpiresAt = now + _options.SessionLifetime,
            LastSeenAt = now,
            IdTokenHint = idToken is null ? null : ConsoleIdTokenHint.Seal(id, idToken),
        };
        var key = ConsoleSessionKeys.Session(id);
        var cancellationToken = context.RequestAborted;
        var userSessions = ConsoleSessionKeys.UserSessions(tenant, issuer, subject);
        if (await StoreIndex.PruneAsync(_store, userSessions, static member => member, MaxSessionsPerUser, _options.SessionLifetime, cancellationToken) >= MaxSessionsPerUser)
        {
            await MakeRoomAsync(userSessions, cancellationToken);
        }

        // The session is written before it is indexed: an index member whose key is gone has ended, for good.
        await _store.SetAsync(key, JsonSerializer.Serialize(session, ConsoleJsonContext.Default.ConsoleSession), _options.SessionLifetime, cancellationToken);
        await _store.SetAddAsync(userSessions, key, _options.SessionLifetime, cancellationToken);
        if (sid is not null)
        {
            var sidSessions = ConsoleSessionKeys.SidSessions(tenant, issuer, sid);
            await StoreIndex.PruneAsync(_store, sidSessions, static member => member, MaxSessionsPerUser, _options.SessionLifetime, cancellationToken);
            await _store.SetAddAsync(sidSessions, key, _options.SessionLifetime, cancellationToken);
            await _store.SetAddAsync(ConsoleSessionKeys.SidSubjects(tenant, issuer, sid), subject, SidSubjectsLifetime, cancellationToken);
        }

        await _store.SetAddAsync(ConsoleSessionKeys.Users(tenant), ConsolePersonSuspensions.Member(issuer, subject), expiry: null, cancellationToken);
        // The person's tokens (an approver token bound to them) stop acting as them while this user is suspended.
        await ConsolePersonSuspensions.RememberAsync(_store, tenant, issuer, subject, person, cancellationToken);
        // A browser-session cookie (no Max-Age): it does not outlive the browser; the store's session ends it sooner.
        ConsoleCookies.Append(context, CookieName, id, lifetime: null);
        return session;
    }

    /// <summary>
    /// The request's session, if it has a live one (null: sign in), with its roles as the current configuration gives
    /// them (none left: the caller ends it); the session of a suspended user, of an ended provider session (its <c>sid</c>,
    /// or its subject's logout issued after its ID token), of a
    /// provider the tenant no longer signs in with, past its lifetime or idle for <see cref="ConsoleOptions.IdleTimeout"/>
    /// is deleted here. A live session's last request is written back at most once a minute (not on every page).
    /// </summary>
    public async ValueTask<ConsoleSession?> CurrentAsync(HttpContext context)
    {
        if (ConsoleCookies.Read(context, CookieName) is not { Length: > 0 and <= 128 } id)
        {
            return null;
        }

        var key = ConsoleSessionKeys.Session(id);
        var json = await _store.GetAsync(key, context.RequestAborted);
        if (json is null)
        {
            return null;
        }

        var session = JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession);
        var now = _time.GetUtcNow();
        if (session is null || !IsLive(session, now) || !IsOfCurrentIssuer(session))
        {
            await EndSessionAsync(key, session, context.RequestAborted);
            return null;
        }

        var (tenant, issuer) = (session.Tenant, session.Issuer);
        var loggedOut = ConsoleSubjectLogouts.Key(tenant, issuer, session.Subject);
        var marks = await _store.GetManyAsync(
            session.Sid is not { } sid
                ? [loggedOut, ConsolePersonSuspensions.SuspendedKey(tenant, issuer, session.Subject), ConsolePersonSuspensions.SubjectOnlyKey(tenant, session.Subject)]
                : [loggedOut, ConsolePersonSuspensions.SuspendedKey(tenant, issuer, session.Subject), ConsolePersonSuspensions.SubjectOnlyKey(tenant, session.Subject),
                    ConsoleSessionKeys.EndedSid(tenant, issuer, sid), ConsoleSessionKeys.SidOnlyEnded(tenant, sid)],
            context.RequestAborted);
        if (marks.Skip(1).Any(static mark => mark is not null)
            || (marks[0] is { } mark && ConsoleSubjectLogouts.Ends(mark, ConsoleSubjectLogouts.SignedInAt(IdTokenOf(context, session), session, _options.SessionLifetime)))
            || (session.AdminToken is { } token && !await _tokens.IsLiveAsync(token, context.RequestAborted)))
        {
            await EndSessionAsync(key, session, context.RequestAborted);
            return null;
        }

        if (now - LastSeen(session, now) >= SeenRefresh || session.LastSeenAt is null)
        {
            // Only if unchanged since read: a session deleted meanwhile (sign-out, suspension) is not written back.
            var seen = JsonSerializer.Serialize(session with { LastSeenAt = now }, ConsoleJsonContext.Default.ConsoleSession);
            await _store.ReplaceIfEqualAsync(key, json, seen, session.ExpiresAt - now, context.RequestAborted);
        }

        return session.Groups is { } groups ? session with { Roles = _roles.RolesOf(session.Tenant, groups) } : session;
    }

    /// <summary>
    /// A back-channel logout from the tenant's provider (<paramref name="issuer"/>): ends the sessions of the provider
    /// session <paramref name="sid"/> (of <paramref name="subject"/>, when both are given; the <c>sid</c> is also marked ended,
    /// so a session started from it in the meantime ends on its next request), or every session of <paramref name="subject"/>
    /// at that issuer (the subject's logout marked at the token's <paramref name="issuedAt"/> first, so a session signed in
    /// before it and not yet indexed ends on its next request: <see cref="ConsoleSubjectLogouts"/>). Returns how many sessions
    /// ended, and the subjects the <c>sid</c> signed in (a logout token may name only the <c>sid</c>: these are the people
    /// whose provider session ended, found even when their sessions already ended).
    /// </summary>
    public async ValueTask<(int Ended, IReadOnlyList<string> Subjects)> EndProviderSessionsAsync(string tenant, string issuer, string? subject, string? sid, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var subjects = new List<string>();
        IEnumerable<string> keys;
        if (sid is not null)
        {
            await _store.SetAsync(ConsoleSessionKeys.EndedSid(tenant, issuer, sid), "1", _options.SessionLifetime, cancellationToken);
            keys = (await _store.SetMembersAsync(ConsoleSessionKeys.SidSessions(tenant, issuer, sid), cancellationToken))
                .Union(await _store.SetMembersAsync(ConsoleSessionKeys.SidOnlySessions(tenant, sid), cancellationToken), StringComparer.Ordinal);
            subjects.AddRange((await _store.SetMembersAsync(ConsoleSessionKeys.SidSubjects(tenant, issuer, sid), cancellationToken))
                .Where(found => subject is null || string.Equals(found, subject, StringComparison.Ordinal)));
        }
        else
        {
            await ConsoleSubjectLogouts.MarkAsync(_store, tenant, issuer, subject!, issuedAt, _options.SessionLifetime, cancellationToken);
            keys = (await _store.SetMembersAsync(ConsoleSessionKeys.UserSessions(tenant, issuer, subject!), cancellationToken))
                .Union(await _store.SetMembersAsync(ConsoleSessionKeys.SubjectOnlySessions(tenant, subject!), cancellationToken), StringComparer.Ordinal);
        }

        var ended = 0;
        var walked = keys.ToList();
        var found = await ReadAsync(walked, cancellationToken);
        foreach (var (key, session) in found)
        {
            if (!string.Equals(session.Issuer, issuer, StringComparison.Ordinal)
                || (subject is not null && !string.Equals(session.Subject, subject, StringComparison.Ordinal))
                || (sid is not null && !string.Equals(session.Sid, sid, StringComparison.Ordinal)))
            {
                continue;
            }

            if (!subjects.Contains(session.Subject, StringComparer.Ordinal))
            {
                subjects.Add(session.Subject);
            }

            if (await EndSessionAsync(key, session, cancellationToken))
            {
                ended++;
            }
        }

        // The walked index's members whose session was already gone leave it (the next logout walks only live ones).
        var index = sid is not null ? ConsoleSessionKeys.SidSessions(tenant, issuer, sid) : ConsoleSessionKeys.UserSessions(tenant, issuer, subject!);
        foreach (var gone in walked.Except(found.Select(static f => f.Key), StringComparer.Ordinal))
        {
            await _store.SetRemoveAsync(index, gone, cancellationToken);
        }

        return (ended, subjects);
    }

    /// <summary>The provider's ID token the session keeps for sign-out at the provider, opened with the request's cookie; or null.</summary>
    public static string? IdTokenOf(HttpContext context, ConsoleSession session) =>
        session.IdTokenHint is { } hint && ConsoleCookies.Read(context, CookieName) is { Length: > 0 and <= 128 } id
            ? ConsoleIdTokenHint.Open(id, hint)
            : null;

    /// <summary>Ends the request's session (sign-out) and clears its cookie.</summary>
    public async ValueTask EndAsync(HttpContext context)
    {
        if (ConsoleCookies.Read(context, CookieName) is { Length: > 0 and <= 128 } id)
        {
            var key = ConsoleSessionKeys.Session(id);
            if (await _store.TakeAsync(key, context.RequestAborted) is { } json)
            {
                await LeaveIndexesAsync(key, JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession), context.RequestAborted);
            }
        }

        ConsoleCookies.Delete(context, CookieName);
    }

    public ValueTask<bool> IsSuspendedAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken) =>
        ConsolePersonSuspensions.IsSuspendedAsync(_store, tenant, issuer, subject, cancellationToken);

    /// <summary>
    /// Suspends a user of the tenant (<paramref name="issuer"/>, <paramref name="subject"/>): their sessions end now, they
    /// cannot sign in until resumed, and the tokens bound to the person they signed in as are refused
    /// (<see cref="ConsolePersonSuspensions"/>). The same subject at another issuer is another user. Returns how many sessions ended.
    /// </summary>
    public async ValueTask<int> SuspendAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken)
    {
        await ConsolePersonSuspensions.SuspendAsync(_store, tenant, issuer, subject, cancellationToken);
        await _store.SetAddAsync(ConsoleSessionKeys.Users(tenant), ConsolePersonSuspensions.Member(issuer, subject), expiry: null, cancellationToken);
        var ended = 0;
        var userSessions = ConsoleSessionKeys.UserSessions(tenant, issuer, subject);
        var keys = (await _store.SetMembersAsync(userSessions, cancellationToken))
            .Union(await _store.SetMembersAsync(ConsoleSessionKeys.SubjectOnlySessions(tenant, subject), cancellationToken), StringComparer.Ordinal);
        foreach (var (key, session) in await ReadAsync([.. keys], cancellationToken))
        {
            if (!string.Equals(session.Issuer, issuer, StringComparison.Ordinal) || !string.Equals(session.Subject, subject, StringComparison.Ordinal))
            {
                continue;
            }

            // A session started before this user was remembered under their person still names its person.
            await ConsolePersonSuspensions.RememberAsync(_store, tenant, issuer, subject, session.Person, cancellationToken);
            if (await EndSessionAsync(key, session, cancellationToken))
            {
                ended++;
            }
        }

        await _store.DeleteAsync(userSessions, cancellationToken);
        return ended;
    }

    /// <summary>Resumes the user (and lifts a suspension of its subject written before suspensions named the issuer).</summary>
    public ValueTask ResumeAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken) =>
        ConsolePersonSuspensions.ResumeAsync(_store, tenant, issuer, subject, cancellationToken);

    /// <summary>
    /// The tenant's console users (everyone who signed in or was suspended), by issuer and subject: the person and roles of
    /// a live session when one exists, whether suspended, and how many sessions are live. A subject an earlier version
    /// listed alone, and no user names now, is listed without an issuer. Never a session id or a CSRF token.
    /// </summary>
    public async ValueTask<IReadOnlyList<ConsoleUserInfo>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var members = (await _store.SetMembersAsync(ConsoleSessionKeys.Users(tenant), cancellationToken))
            .Select(static member => ConsolePersonSuspensions.ParseMember(member))
            .Select(static user => (Issuer: (string?)user.Issuer, user.Subject))
            .ToList();
        var subjectsOnly = (await _store.SetMembersAsync(ConsoleSessionKeys.SubjectOnlyUsers(tenant), cancellationToken))
            .Where(subject => !members.Any(member => string.Equals(member.Subject, subject, StringComparison.Ordinal)))
            .Select(static subject => (Issuer: (string?)null, Subject: subject));
        var users = new List<ConsoleUserInfo>();
        foreach (var (issuer, subject) in members.Concat(subjectsOnly)
            .OrderBy(static user => user.Subject, StringComparer.Ordinal).ThenBy(static user => user.Issuer, StringComparer.Ordinal))
        {
            var keys = (issuer is null ? [] : await _store.SetMembersAsync(ConsoleSessionKeys.UserSessions(tenant, issuer, subject), cancellationToken))
                .Union(await _store.SetMembersAsync(ConsoleSessionKeys.SubjectOnlySessions(tenant, subject), cancellationToken), StringComparer.Ordinal);
            var live = (await ReadAsync([.. keys], cancellationToken)).Select(static found => found.Session)
                .Where(session => (issuer is null || string.Equals(session.Issuer, issuer, StringComparison.Ordinal))
                    && string.Equals(session.Subject, subject, StringComparison.Ordinal) && IsLive(session, _time.GetUtcNow()) && IsOfCurrentIssuer(session))
                .ToList();
            var first = live.FirstOrDefault();
            var roles = first?.Groups is { } groups ? _roles.RolesOf(tenant, groups) : first?.Roles;
            var suspended = issuer is null
                ? await _store.GetAsync(ConsolePersonSuspensions.SubjectOnlyKey(tenant, subject), cancellationToken) is not null
                : await IsSuspendedAsync(tenant, issuer, subject, cancellationToken);
            users.Add(new ConsoleUserInfo(subject, issuer, first?.Person, roles, suspended, live.Count));
        }

        return users;
    }

    /// <summary>Deletes a session, then drops it from its user's and its provider session's indexes. True when it was there.</summary>
    private async ValueTask<bool> EndSessionAsync(string key, ConsoleSession? session, CancellationToken cancellationToken)
    {
        var ended = await _store.DeleteAsync(key, cancellationToken);
        await LeaveIndexesAsync(key, session, cancellationToken);
        return ended;
    }

    /// <summary>Drops an ended session (its key already deleted) from the indexes it was added to.</summary>
    private async ValueTask LeaveIndexesAsync(string key, ConsoleSession? session, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            return;
        }

        await _store.SetRemoveAsync(ConsoleSessionKeys.UserSessions(session.Tenant, session.Issuer, session.Subject), key, cancellationToken);
        if (session.Sid is { } sid)
        {
            await _store.SetRemoveAsync(ConsoleSessionKeys.SidSessions(session.Tenant, session.Issuer, sid), key, cancellationToken);
        }
    }

    /// <summary>The sessions stored under <paramref name="keys"/> that are still there, with their keys.</summary>
    private async ValueTask<List<(string Key, ConsoleSession Session)>> ReadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = new List<(string, ConsoleSession)>(keys.Count);
        var values = keys.Count == 0 ? [] : await _store.GetManyAsync(keys, cancellationToken);
        for (var i = 0; i < keys.Count; i++)
        {
            if (values[i] is { } json && JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession) is { } session)
            {
                found.Add((keys[i], session));
            }
        }

        return found;
    }

    /// <summary>
    /// Whether the session was signed in at the tenant's current console provider: its issuer is that provider's (a bundle
    /// that moves the tenant to another provider, or takes its console sign-in away, ends the sessions of the old one). A
    /// session started with an admin token carries <see cref="InteractiveAccess.AdminTokenIssuer"/> and answers to its token instead.
    /// </summary>
    private bool IsOfCurrentIssuer(ConsoleSession session) =>
        string.Equals(session.Issuer, InteractiveAccess.AdminTokenIssuer, StringComparison.Ordinal)
        || ConsoleSignIn.IsProviderOf(_options, _policy, session.Tenant, session.Issuer);

    /// <summary>Within its absolute lifetime and not idle for <see cref="ConsoleOptions.IdleTimeout"/>.</summary>
    private bool IsLive(ConsoleSession session, DateTimeOffset now) => session.ExpiresAt > now && now - LastSeen(session, now) < _options.IdleTimeout;

    /// <summary>The session's last request as written; a session an earlier version started, now (its idle clock starts at its first read).</summary>
    private static DateTimeOffset LastSeen(ConsoleSession session, DateTimeOffset now) => session.LastSeenAt ?? now;

    /// <summary>True when <paramref name="presented"/> is the session's CSRF token (constant time).</summary>
    public static bool CsrfMatches(ConsoleSession session, string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(session.Csrf), Encoding.UTF8.GetBytes(presented));

    /// <summary>32 random bytes, base64url.</summary>
    public static string RandomToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
