using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests;

public sealed class ThreadRandomBytesTests
{
    [Fact]
    public void Fill_PastOneBufferOfDraws_NeverHandsOutTheSameBytesTwice()
    {
        // 16-byte draws over several 1,024-byte buffers: each draw is new (a repeat of 128 random bits is not chance).
        var seen = new HashSet<string>();
        Span<byte> id = stackalloc byte[16];
        for (var i = 0; i < 1_000; i++)
        {
            ThreadRandomBytes.Fill(id);
            Assert.True(seen.Add(Convert.ToHexString(id)));
        }
    }

    [Fact]
    public void Fill_TheLongestDraw_WritesRandomBytes()
    {
        // 64 random bytes all zero has a chance of 2^-512.
        var drawn = new byte[ThreadRandomBytes.MaxLength];
        ThreadRandomBytes.Fill(drawn);

        Assert.Contains(drawn, static b => b != 0);
    }

    [Fact]
    public void Fill_MoreThanMaxLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadRandomBytes.Fill(new byte[ThreadRandomBytes.MaxLength + 1]));
    }
}
