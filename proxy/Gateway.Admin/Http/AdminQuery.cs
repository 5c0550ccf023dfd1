using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Gateway.Admin.Http;

/// <summary>
/// The admin API's query-string values, read the same way on every listing: each a single value, what is wrong with
/// it added to <c>errors</c> (the caller answers them all at once, 400 <c>invalid_query</c>).
/// </summary>
internal static class AdminQuery
{
    /// <summary>The largest page of any listing.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The largest position a listing starts at: 2^53 - 1, the largest integer every JSON client reads exactly (no chain is longer).</summary>
    public const long MaxStart = 9_007_199_254_740_991;

    private static readonly SearchValues<char> ControlCharacters = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0xA0).Where(static c => char.IsControl((char)c)).Select(static c => (char)c)));

    /// <summary>
    /// One value of 1 to 256 characters without control characters (PostgreSQL holds no NUL in text: a store would fail
    /// on it, never answer), or null when absent.
    /// </summary>
    public static string? Text(StringValues raw, string name, List<string> errors)
    {
        if (raw.Count > 1 || (raw.Count == 1 && !IsText(raw[0])))
        {
            errors.Add(name + " must be one value of 1..256 characters, no control characters");
            return null;
        }

        return raw.Count == 1 ? raw[0] : null;
    }

    /// <summary>True for 1 to 256 characters without a control character (C0, DEL, C1).</summary>
    public static bool IsText(string? value) =>
        value is { Length: > 0 and <= 256 } && !value.AsSpan().ContainsAny(ControlCharacters);

    /// <summary>One ISO 8601 time (UTC when it names no offset), or null when absent.</summary>
    public static DateTimeOffset? Time(StringValues raw, string name, List<string> errors)
    {
        if (raw.Count == 0)
        {
            return null;
        }

        if (raw.Count == 1 && DateTimeOffset.TryParse(raw[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors.Add(name + " must be one ISO 8601 time");
        return null;
    }

    /// <summary>A page size of 1 to <see cref="MaxLimit"/>, 100 when absent.</summary>
    public static int Limit(StringValues raw, List<string> errors)
    {
        if (raw.Count == 0)
        {
            return 100;
        }

        if (raw.Count == 1 && int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit)
        {
            return limit;
        }

        errors.Add("limit must be 1..1000");
        return 100;
    }
}
