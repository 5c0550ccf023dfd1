using System.Buffers.Text;
using Gateway.Connectors.Vault;

namespace Gateway.Connectors.Tests;

/// <summary><c>DATA_ENCRYPTION_KEY</c> as base64 in either alphabet (RFC 4648 §4 or §5), padded or not, but never the two alphabets mixed.</summary>
public sealed class DataEncryptionKeyBase64Tests
{
    // 32 bytes whose base64 holds '+' and '/' (and so, in base64url, '-' and '_').
    private static readonly byte[] Bytes = [.. Enumerable.Repeat<byte[]>([0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff], 5).SelectMany(b => b), 0xfb, 0xff];

    [Theory]
    [InlineData("standard")]
    [InlineData("standard-unpadded")]
    [InlineData("url")]
    [InlineData("url-padded")]
    public void Parse_EitherAlphabetPaddedOrNot_ReadsTheKey(string form)
    {
        var text = form switch
        {
            "standard" => Convert.ToBase64String(Bytes),
            "standard-unpadded" => Convert.ToBase64String(Bytes).TrimEnd('='),
            "url" => Base64Url.EncodeToString(Bytes),
            _ => Base64Url.EncodeToString(Bytes) + "=",
        };

        Assert.True(DataEncryptionKey.Parse(text).KeyEquals(Bytes));
    }

    [Fact]
    public void Parse_TheTwoAlphabetsMixed_IsRefused()
    {
        var standard = Convert.ToBase64String(Bytes);
        var mixed = standard[..standard.IndexOf('+', StringComparison.Ordinal)] + "-" + standard[(standard.IndexOf('+', StringComparison.Ordinal) + 1)..];

        Assert.Contains('/', mixed);
        Assert.Throws<FormatException>(() => DataEncryptionKey.Parse(mixed));
    }
}
