namespace Gateway.Policy.Tokens;

/// <summary>A secret key as configured: base64 or hex text of at least <see cref="MinimumBytes"/> bytes.</summary>
public static class KeyText
{
    /// <summary>The fewest bytes a key has.</summary>
    public const int MinimumBytes = 32;

    /// <summary>The key's bytes, or null when <paramref name="text"/> is neither hex nor base64 of at least <see cref="MinimumBytes"/> bytes.</summary>
    public static byte[]? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        byte[]? key = null;
        if (text.Length % 2 == 0 && text.All(char.IsAsciiHexDigit))
        {
            key = Convert.FromHexString(text);
        }
        else
        {
            var buffer = new byte[text.Length];
            if (Convert.TryFromBase64String(text, buffer, out var written))
            {
                key = buffer[..written];
            }
        }

        return key is { Length: >= MinimumBytes } ? key : null;
    }
}
