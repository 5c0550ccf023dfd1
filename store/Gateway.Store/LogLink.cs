namespace Gateway.Store;

/// <summary>
/// The link check of an append to a log (<see cref="IAuditLogStore"/>): an entry that names a <c>"prev_hash"</c> (an audit
/// record) goes only after the entry carrying that <c>"hash"</c>, so that a group sealed on an end that is no longer the
/// log's (a writer's group sent behind one that was not appended, a second writer of the same chain) appends nothing,
/// even where the log's length happens to match. The Redis append script checks the same (<c>RedisScripts</c>).
/// </summary>
public static class LogLink
{
    private const string PreviousName = "\"prev_hash\":\"";
    private const string HashName = "\"hash\":\"";

    /// <summary>True when <paramref name="next"/> names no previous hash, or <paramref name="last"/> carries the hash it names.</summary>
    public static bool Follows(string last, string next)
    {
        ArgumentNullException.ThrowIfNull(last);
        ArgumentNullException.ThrowIfNull(next);
        var at = next.IndexOf(PreviousName, StringComparison.Ordinal);
        if (at < 0)
        {
            return true;
        }

        var start = at + PreviousName.Length;
        var end = start;
        while (end < next.Length && char.IsAsciiHexDigit(next[end]))
        {
            end++;
        }

        if (end == start)
        {
            return true;
        }

        return Carries(last, next.AsSpan(start, end - start));
    }

    // Whether the entry holds "hash":"<hash>" (compared in place: no string made per append).
    private static bool Carries(string entry, ReadOnlySpan<char> hash)
    {
        var rest = entry.AsSpan();
        while (true)
        {
            var at = rest.IndexOf(HashName, StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + HashName.Length)..];
            if (rest.Length > hash.Length && rest.StartsWith(hash, StringComparison.Ordinal) && rest[hash.Length] == '"')
            {
                return true;
            }
        }
    }
}
