using System.Globalization;
using Gateway.Store;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.Console;

/// <summary>
/// The marks of back-channel logouts that name a subject and no <c>sid</c>: per tenant, issuer and subject, the logout
/// token's <c>iat</c>, written before the person's sessions are walked and kept for the session lifetime. What was signed
/// in with an ID token issued before it (both the provider's clock; whole seconds, so one issued in the same second, a
/// sign-in again just after the logout, stays) belongs to the ended provider session: a console session found on a later
/// request ends (one a sign-in wrote but had not indexed when the logout walked the index), and the provider tokens of such
/// a sign-in are not kept (<see cref="ConsoleSignIn"/>).
/// </summary>
internal static class ConsoleSubjectLogouts
{
    public static string Key(string tenant, string issuer, string subject) =>
        "console:subject-ended-at:" + tenant + ":" + ConsoleSessions.Hash(issuer) + ":" + ConsoleSessions.Hash(subject);

    /// <summary>Marks the subject's logout at <paramref name="issuedAt"/> (a later mark already there stays).</summary>
    public static async ValueTask MarkAsync(IStateStore store, string tenant, string issuer, string subject, DateTimeOffset issuedAt, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var key = Key(tenant, issuer, subject);
        if (Parse(await store.GetAsync(key, cancellationToken)) is { } marked && marked >= issuedAt)
        {
            return;
        }

        await store.SetAsync(key, issuedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), lifetime, cancellationToken);
    }

    /// <summary>True when <paramref name="mark"/> (a value of <see cref="Key"/>) ends what was signed in at <paramref name="signedInAt"/>.</summary>
    public static bool Ends(string? mark, DateTimeOffset signedInAt) => Parse(mark) is { } loggedOut && signedInAt < loggedOut;

    /// <summary>True when a logout of the subject ends what its ID token issued at <paramref name="signedInAt"/> signed in.</summary>
    public static async ValueTask<bool> EndsAsync(IStateStore store, string tenant, string issuer, string subject, DateTimeOffset signedInAt, CancellationToken cancellationToken) =>
        Ends(await store.GetAsync(Key(tenant, issuer, subject), cancellationToken), signedInAt);

    /// <summary>The ID token's <c>iat</c>; the earliest instant when it has none (any logout mark ends it).</summary>
    public static DateTimeOffset IssuedAt(JsonWebToken token) =>
        token.IssuedAt == DateTime.MinValue ? DateTimeOffset.MinValue : new DateTimeOffset(DateTime.SpecifyKind(token.IssuedAt, DateTimeKind.Utc));

    /// <summary>When the session was signed in: its ID token's <c>iat</c> (<paramref name="idToken"/>), else when it started here.</summary>
    public static DateTimeOffset SignedInAt(string? idToken, ConsoleSession session, TimeSpan sessionLifetime)
    {
        if (idToken is not null)
        {
            try
            {
                return IssuedAt(new JsonWebToken(idToken));
            }
            catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
            {
                // Unreadable: as a session without one.
            }
        }

        return session.ExpiresAt - sessionLifetime;
    }

    // Unix seconds; anything else a mark of the latest instant (fail closed).
    private static DateTimeOffset? Parse(string? value) =>
        value is null ? null
        : long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) && seconds is >= -62_135_596_800 and <= 253_402_300_799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MaxValue;
}
