namespace Gateway.Proxy.Security;

/// <summary>
/// What a rotation accepts at a given instant, for secrets and keys alike: both the current and the next during the
/// window; after <c>rotation_ends</c>, the next one alone, as the current one in effect; the current one when there is no next.
/// </summary>
internal static class RotationWindow
{
    public static (T Current, T? Next) AcceptedAt<T>(T current, T? next, DateTimeOffset? ends, DateTimeOffset now)
        where T : class => next switch
        {
            null => (current, null),
            not null when ends is { } end && now > end => (next, null),
            not null => (current, next),
        };
}
