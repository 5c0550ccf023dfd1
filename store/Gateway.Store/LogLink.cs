namespace Gateway.Store;

/// <summary>
/// The link check of an append to a log (<see cref="IAuditLogStore"/>): an entry that names a <c>"prev_hash"</c> (an audit
/// record) goes only after the entry carrying that <c>"hash"</c>, so that a group sealed on an end that is no longer the
/// log's (a writer's group sent behind one that was not appended, a second writer of the same chain) appends nothing,
/// even where the log's length happens to match. The Redis append script checks the same (<c>RedisScripts</c>).
/// </summary>
public static class LogLink
{
    private static ReadOnlySpan<byte> PreviousName => "\"prev_hash\":\""u8;

    private static ReadOnlySpan<byte> HashName => "\"hash\":\""u8;

    /// <summary>True when <paramref name="next"/> names no previous hash, or <paramref name="last"/> carries the hash it names (both UTF-8).</summary>
    public static bool Follows(ReadOnlySpan<byte> last, ReadOnlySpan<byte> next)
    {
        var at = next.IndexOf(PreviousName);
        if (at < 0)
        {
            return true;
        }

        var start = at + PreviousName.Length;
        var end = start;
        while (end < next.Length && char.IsAsciiHexDigit((char)next[end]))
        {
            end++;
        }

        if (end == start)
        {
            return true;
        }

        return Carries(last, next[start..end]);
    }

    // Whether the entry holds "hash":"<hash>" (compared in place: nothing made per append).
    private static bool Carries(ReadOnlySpan<byte> entry, ReadOnlySpan<byte> hash)
    {
        var rest = entry;
        while (true)
        {
            var at = rest.IndexOf(HashName);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + HashName.Length)..];
            if (rest.Length > hash.Length && rest.StartsWith(hash) && rest[hash.Length] == (byte)'"')
            {
                return true;
            }
        }
    }
}
