using System.Buffers.Text;
using Gateway.Policy.Bundles;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests.Tokens;

/// <summary>
/// Key material as base64 in either alphabet (RFC 4648 §4 or §5), padded or not, read through Base64Url and Convert:
/// what is in neither alphabet, or mixes the two, is refused (RFC 4648 §3.3).
/// </summary>
public sealed class Base64TextTests
{
    [Theory]
    [InlineData("+/8")]
    [InlineData("+/8=")]
    [InlineData("-_8")]
    [InlineData("-_8=")]
    public void TryDecode_EitherAlphabetPaddedOrNot_GivesTheBytes(string text)
    {
        Assert.Equal([0xfb, 0xff], Base64Text.TryDecode(text));
    }

    [Theory]
    [InlineData("-/8")]
    [InlineData("+_8")]
    [InlineData("AQ!D")]
    [InlineData("A")]
    [InlineData("AQID=")]
    [InlineData("AQ===")]
    [InlineData("AQ%3D%3D")]
    public void TryDecode_MixedAlphabetsOrOutsideEither_IsNull(string text)
    {
        Assert.Null(Base64Text.TryDecode(text));
    }

    [Fact]
    public void TryRead_Ed25519KeyInMixedAlphabets_IsRefused()
    {
        // 32 bytes whose base64 holds '+' and '/'.
        byte[] raw = [.. Enumerable.Repeat<byte[]>([0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff], 5).SelectMany(static b => b), 0xfb, 0xff];
        var standard = Convert.ToBase64String(raw);
        var mixed = "-" + standard[1..];

        Assert.NotNull(SubjectPublicKeyInfos.TryRead(standard, PublicKeyAlgorithm.Ed25519, out _));
        Assert.NotNull(SubjectPublicKeyInfos.TryRead(Base64Url.EncodeToString(raw), PublicKeyAlgorithm.Ed25519, out _));
        Assert.Null(SubjectPublicKeyInfos.TryRead(mixed, PublicKeyAlgorithm.Ed25519, out _));
    }
}
