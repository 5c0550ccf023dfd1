using System.Text.Json;

namespace Gateway.Proxy.Console;

/// <summary>
/// A user's full session index (<see cref="ConsoleSessions.MaxSessionsPerUser"/>): room is made for a sign-in rather than
/// the sign-in refused, so a page that keeps signing the person in silently cannot lock them out. Each session ended here
/// is ended as a sign-out ends it (its key deleted, then it leaves its indexes), so every session still live stays where a
/// revocation finds it.
/// </summary>
internal sealed partial class ConsoleSessions
{
    /// <summary>
    /// Ends the sessions of the full index <paramref name="userSessions"/> that are no longer live (past their lifetime,
    /// idle for <see cref="ConsoleOptions.IdleTimeout"/>, of a provider the tenant no longer signs in with, or unreadable)
    /// and drops the members whose session is gone; then, while one more would still pass the cap, ends the least recently seen.
    /// </summary>
    private async ValueTask MakeRoomAsync(string userSessions, CancellationToken cancellationToken)
    {
        var members = await _store.SetMembersAsync(userSessions, cancellationToken);
        var values = members.Count == 0 ? [] : await _store.GetManyAsync(members, cancellationToken);
        var now = _time.GetUtcNow();
        var live = new List<(string Key, ConsoleSession Session)>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            var session = values[i] is { } json ? Parse(json) : null;
            if (session is not null && IsLive(session, now) && IsOfCurrentIssuer(session))
            {
                live.Add((members[i], session));
                continue;
            }

            if (values[i] is not null)
            {
                await EndSessionAsync(members[i], session, cancellationToken);
            }

            await _store.SetRemoveAsync(userSessions, members[i], cancellationToken);
        }

        foreach (var (key, session) in live.OrderBy(found => SeenAt(found.Session)).Take(live.Count - MaxSessionsPerUser + 1))
        {
            await EndSessionAsync(key, session, cancellationToken);
        }
    }

    /// <summary>When the session last answered a request; one an earlier version started, when it started.</summary>
    private DateTimeOffset SeenAt(ConsoleSession session) => session.LastSeenAt ?? session.ExpiresAt - _options.SessionLifetime;

    /// <summary>The stored session, or null when its value is not one.</summary>
    private static ConsoleSession? Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSession);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
