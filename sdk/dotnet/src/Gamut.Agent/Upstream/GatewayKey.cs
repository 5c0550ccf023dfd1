namespace Gamut.Agent.Upstream;

/// <summary>
/// Reads a gateway key as the gateway itself reads <c>DECISION_SIGNING_KEY</c> and <c>GATEWAY_SERVICE_KEY</c>:
/// hex when the text is an even number of hex digits, otherwise base64; at least 32 bytes. An upstream given the
/// same text gets the same bytes (a hex key decoded as base64 would never verify).
/// </summary>
public static class GatewayKey
{
    /// <summary>The key's bytes.</summary>
    /// <exception cref="FormatException">The text is neither hex nor base64 of at least 32 bytes.</exception>
    public static byte[] FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var isHex = trimmed.Length % 2 == 0 && trimmed.All(char.IsAsciiHexDigit);
        var key = isHex ? Convert.FromHexString(trimmed) : FromBase64(trimmed);
        return key is { Length: >= 32 } ? key : throw new FormatException("A gateway key is base64 or hex of at least 32 bytes.");
    }

    private static byte[]? FromBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
