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

    /// <summary>One value of 1 to 256 characters, or null when absent.</summary>
    public static string? Text(StringValues raw, string name, List<string> errors)
    {
        if (raw.Count > 1 || (raw.Count == 1 && (string.IsNullOrEmpty(raw[0]) || raw[0]!.Length > 256)))
        {
            errors.Add(name + " must be one value of 1..256 characters");
            return null;
        }

        return raw.Count == 1 ? raw[0] : null;
    }

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
