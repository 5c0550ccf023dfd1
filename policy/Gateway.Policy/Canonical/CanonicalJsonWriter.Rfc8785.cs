using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Gateway.Policy.Canonical;

// RFC 8785 (JSON Canonicalization Scheme): what differs from the gateway's own canonical form, the member order and the numbers.
public readonly partial struct CanonicalJsonWriter
{
    /// <summary>
    /// A writer whose <see cref="WriteElement"/> writes RFC 8785 (JCS), what an A2A agent card's signature covers: members
    /// sorted by their names' UTF-16 code units, numbers as ECMAScript writes a double (<see cref="EcmaScriptNumber"/>),
    /// strings escaped as ECMAScript's <c>JSON.stringify</c> does; what is not I-JSON (RFC 7493: a repeated member, a lone
    /// surrogate, a number no double holds) is refused.
    /// </summary>
    public static CanonicalJsonWriter Rfc8785(IBufferWriter<byte> output) => new(output, rfc8785: true);

    /// <summary>ECMAScript's Number.prototype.toString of <paramref name="number"/> (finite: JSON has no other).</summary>
    internal static string EcmaScriptNumber(double number)
    {
        if (number == 0)
        {
            return "0";
        }

        if (Math.Abs(number) < 1e21 && Math.Abs(number) >= 1e-6)
        {
            var fixedText = number.ToString("R", CultureInfo.InvariantCulture);
            if (!fixedText.Contains('E', StringComparison.Ordinal))
            {
                return fixedText;
            }

            // Round-trip gave an exponent inside ECMAScript's fixed range: write the digits out.
            return decimal.TryParse(fixedText, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
                ? exact.ToString(CultureInfo.InvariantCulture)
                : fixedText;
        }

        // ECMAScript's exponent form: d[.ddd]e±n.
        var exponentText = number.ToString("E16", CultureInfo.InvariantCulture);
        var shortest = number.ToString("R", CultureInfo.InvariantCulture);
        var mantissa = shortest.Contains('E', StringComparison.Ordinal) ? shortest[..shortest.IndexOf('E', StringComparison.Ordinal)] : exponentText[..exponentText.IndexOf('E', StringComparison.Ordinal)].TrimEnd('0').TrimEnd('.');
        var exponent = int.Parse(shortest.Contains('E', StringComparison.Ordinal) ? shortest[(shortest.IndexOf('E', StringComparison.Ordinal) + 1)..] : exponentText[(exponentText.IndexOf('E', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        return mantissa + "e" + (exponent >= 0 ? "+" : "-") + Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
    }

    private void WriteEcmaScriptNumber(JsonElement element)
    {
        if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw new FormatException("RFC 8785 writes only numbers a double holds; this one is beyond its range.");
        }

        var text = EcmaScriptNumber(number);
        var span = _output.GetSpan(text.Length);
        _output.Advance(Encoding.ASCII.GetBytes(text, span));
    }

    /// <summary>
    /// Orders member names by their UTF-16 code units. Their UTF-8 bytes order them by code point, which is the same but
    /// for a code point from U+E000 up (lead byte 0xEE or more): UTF-16 puts U+10000 and above, as surrogates, before it.
    /// </summary>
    private static int CompareUtf16Names(JsonProperty a, JsonProperty b)
    {
        var rawA = JsonMarshal.GetRawUtf8PropertyName(a);
        var rawB = JsonMarshal.GetRawUtf8PropertyName(b);
        if (rawA.IndexOfAnyInRange((byte)0xEE, (byte)0xFF) < 0 && rawB.IndexOfAnyInRange((byte)0xEE, (byte)0xFF) < 0
            && rawA.IndexOf((byte)'\\') < 0 && rawB.IndexOf((byte)'\\') < 0)
        {
            return rawA.SequenceCompareTo(rawB);
        }

        return string.CompareOrdinal(Utf16Name(a), Utf16Name(b));
    }

    private static string Utf16Name(JsonProperty member)
    {
        try
        {
            return member.Name;
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException("A JSON member name escapes a lone surrogate.", ex);
        }
    }
}
