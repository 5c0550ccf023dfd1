using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Upstream;

/// <summary><see cref="GatewayKey.FromText"/> reads a key's text as the gateway does.</summary>
public sealed class GatewayKeyTests
{
    private static readonly byte[] Bytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void FromText_HexOrBase64_SameBytes()
    {
        Assert.Equal(Bytes, GatewayKey.FromText(Convert.ToHexStringLower(Bytes)));
        Assert.Equal(Bytes, GatewayKey.FromText(Convert.ToHexString(Bytes)));
        Assert.Equal(Bytes, GatewayKey.FromText(" " + Convert.ToBase64String(Bytes) + "\n"));
    }

    [Fact]
    public void FromText_HexThatIsAlsoBase64_IsReadAsHex()
    {
        var text = new string('a', 64);

        Assert.Equal(Enumerable.Repeat((byte)0xaa, 32), GatewayKey.FromText(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("00112233445566778899aabbccddeeff")]
    public void FromText_ShortOrUnreadable_Throws(string text)
    {
        Assert.Throws<FormatException>(() => GatewayKey.FromText(text));
    }
}
