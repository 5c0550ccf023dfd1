using System.Globalization;

namespace Gateway.Policy.Bundles;

/// <summary>Reads an agent's <c>rotation_ends</c>: an ISO-8601 date and time with its offset (<c>Z</c> or <c>±hh:mm</c>), so that every replica reads the same instant.</summary>
internal static class RotationInstant
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
    ];

    public static bool TryParse(string text, out DateTimeOffset instant)
    {
        instant = default;
        var trimmed = text;
        if (!(trimmed.EndsWith('Z') || HasOffset(trimmed)))
        {
            return false;
        }

        return DateTimeOffset.TryParseExact(trimmed, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out instant);
    }

    // "+hh:mm" or "-hh:mm" at the end (not the date's own dashes).
    private static bool HasOffset(string text) =>
        text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':';
}
