namespace Gateway.Connectors.Results;

/// <summary>Cutting UTF-8 without splitting a character.</summary>
public static class Utf8Boundary
{
    /// <summary>The length of the longest prefix of <paramref name="utf8"/> that ends on a character boundary.</summary>
    public static int LastCompleteLength(ReadOnlySpan<byte> utf8)
    {
        var end = utf8.Length;
        // Walk back over at most three continuation bytes to the lead byte of the last character.
        var i = end - 1;
        var continuation = 0;
        while (i >= 0 && continuation < 3 && (utf8[i] & 0xC0) == 0x80)
        {
            i--;
            continuation++;
        }

        if (i < 0)
        {
            return 0;
        }

        var lead = utf8[i];
        var needed = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
        return continuation + 1 >= needed ? end : i;
    }
}
