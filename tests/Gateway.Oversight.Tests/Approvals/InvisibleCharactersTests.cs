using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>What a person cannot see in an agent's text (Unicode's Default_Ignorable_Code_Point, controls, separators) and which two values read alike.</summary>
public sealed class InvisibleCharactersTests
{
    [Theory]
    [InlineData("D-1\u034F")] // combining grapheme joiner
    [InlineData("D-1\uFE0F")] // variation selector 16
    [InlineData("D-1\uFE00")] // variation selector 1
    [InlineData("D-1\U000E0100")] // variation selector 17
    [InlineData("D-1\U000E01EF")] // variation selector 256
    [InlineData("\u115FD-1")] // Hangul choseong filler
    [InlineData("D\u1160-1")] // Hangul jungseong filler
    [InlineData("D-1\u3164")] // Hangul filler
    [InlineData("D-1\uFFA0")] // halfwidth Hangul filler
    [InlineData("D-1\u17B4")] // Khmer vowel inherent aq
    [InlineData("D-1\u180B")] // Mongolian free variation selector one
    [InlineData("D-1\u2065")] // reserved, default ignorable
    [InlineData("D-1\uFFF0")] // reserved, default ignorable
    [InlineData("D-1\u200B")] // zero width space (a format character)
    [InlineData("D-1\u202E")] // right-to-left override
    [InlineData("D-1\u00AD")] // soft hyphen
    [InlineData("D-1\u2028")] // line separator
    public void Any_DefaultIgnorableOrFormatCharacter_IsTrue(string value) => Assert.True(InvisibleCharacters.Any(value), Escaped(value));

    [Theory]
    [InlineData("D-1")]
    [InlineData("Ｄ-１")]
    [InlineData("\u05D0 4000 1234")]
    [InlineData("line\tone\r\ntwo")]
    [InlineData("caf\u00E9 \u0301")]
    public void Any_VisibleText_IsFalse(string value) => Assert.False(InvisibleCharacters.Any(value), Escaped(value));

    [Fact]
    public void Shown_DefaultIgnorableCharacters_AreWrittenOut()
    {
        Assert.Equal("D-1⟨U+034F⟩", InvisibleCharacters.Shown("D-1\u034F"));
        Assert.Equal("⟨U+3164⟩D-1⟨U+FE0F⟩", InvisibleCharacters.Shown("\u3164D-1\uFE0F"));
        Assert.Equal("D-1⟨U+E0100⟩", InvisibleCharacters.Shown("D-1\U000E0100"));
    }

    [Theory]
    [InlineData("D-1\u034F", "D-1")]
    [InlineData("d-1\uFE0F", "D-1")]
    [InlineData("Ｄ-１", "D-1")]
    [InlineData("Ｄ－１", "d-1")]
    [InlineData("A\u3164-1795", "a-1795")]
    [InlineData("\U0001D403-\U0001D7CF", "D-1")] // mathematical bold D and 1
    [InlineData("\u24B9-\u2460", "D-1")] // circled D and 1
    [InlineData("D-1\u3000", "D-1\u00A0")] // ideographic and no-break space
    public void ReadAlike_InvisibleOrCompatibilityLookalike_IsTrue(string a, string b) => Assert.True(InvisibleCharacters.ReadAlike(a, b), Escaped(a) + " / " + b);

    [Theory]
    [InlineData("D-1", "D-2")]
    [InlineData("D-1", "D-11")]
    public void ReadAlike_DifferentValues_IsFalse(string a, string b) => Assert.False(InvisibleCharacters.ReadAlike(a, b));

    [Fact]
    public void ReadAlike_LoneSurrogate_DoesNotThrow()
    {
        Assert.True(InvisibleCharacters.ReadAlike("D-1\uD800", "d-1\uD800"));
        Assert.False(InvisibleCharacters.ReadAlike("D-1\uD800", "D-2"));
    }

    private static string Escaped(string value) =>
        string.Concat(value.EnumerateRunes().Select(static r => r.Value < 0x80 ? r.ToString() : "\\u" + r.Value.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)));
}
