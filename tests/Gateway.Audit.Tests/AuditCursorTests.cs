using System.Buffers.Text;
using System.Text;

namespace Gateway.Audit.Tests;

/// <summary>An audit cursor is opaque base64url: what <see cref="AuditCursor.Encode"/> gives decodes to the same position, and anything else is refused without an exception.</summary>
public sealed class AuditCursorTests
{
    [Theory]
    [InlineData(0L, 0L, "r")]
    [InlineData(639319824001234567L, 42L, "replica-a")]
    [InlineData(639319824001234567L, long.MaxValue, "gw-0.63")]
    public void TryDecode_WhatEncodeGives_IsTheSameCursor(long ticks, long seq, string replica)
    {
        var cursor = new AuditCursor(new DateTimeOffset(ticks, TimeSpan.Zero), replica, seq);

        var text = cursor.Encode();

        Assert.DoesNotContain(text, c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_');
        Assert.True(AuditCursor.TryDecode(text, out var decoded));
        Assert.Equal(cursor, decoded);
        Assert.Equal(ticks, decoded!.Time.UtcTicks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-cursor")]
    [InlineData("MTIz")]
    [InlineData("abcde")]
    [InlineData("MTIzOjQ$cjE")]
    [InlineData("MTIz OjQ6cj\u00e9")]
    [InlineData("a=bc")]
    [InlineData("====")]
    [InlineData("MTIzOjQ6cjE===")]
    public void TryDecode_NotACursor_IsFalse(string? text)
    {
        Assert.False(AuditCursor.TryDecode(text, out var cursor));
        Assert.Null(cursor);
    }

    [Theory]
    [InlineData("-1:2:replica-a")]
    [InlineData("1:-2:replica-a")]
    [InlineData("99999999999999999999:2:replica-a")]
    [InlineData("3155378976000000000:2:replica-a")]
    [InlineData("1:2:Replica")]
    [InlineData("1:2:replica-a.0")]
    [InlineData("1:2")]
    [InlineData("1:2:")]
    public void TryDecode_Base64UrlOfNoPosition_IsFalse(string plain)
    {
        Assert.False(AuditCursor.TryDecode(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(plain)), out var cursor));
        Assert.Null(cursor);
    }

    [Fact]
    public void TryDecode_LongerThan200Characters_IsFalse()
    {
        var cursor = new AuditCursor(DateTimeOffset.UnixEpoch, new string('r', 63) + ".9", 1);
        var text = cursor.Encode() + new string('A', 201);

        Assert.False(AuditCursor.TryDecode(text, out _));
    }
}
