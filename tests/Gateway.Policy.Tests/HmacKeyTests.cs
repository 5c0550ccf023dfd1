using System.Security.Cryptography;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests;

public sealed class HmacKeyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(10_000)]
    public void Compute_AnyData_EqualsTheOneShotHmac(int length)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var data = RandomNumberGenerator.GetBytes(length);
        var hmac = new HmacKey(key);
        var mac = new byte[HmacKey.MacSize];

        // Twice: the second computation runs on the context the first gave back.
        hmac.Compute(data, mac);
        Assert.Equal(HMACSHA256.HashData(key, data), mac);
        hmac.Compute(data, mac);
        Assert.Equal(HMACSHA256.HashData(key, data), mac);
    }

    [Fact]
    public void Compute_ManyThreadsAtOnce_EachMacIsItsOwnData()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var hmac = new HmacKey(key);
        var wrong = 0;
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var data = BitConverter.GetBytes(i);
            Span<byte> mac = stackalloc byte[HmacKey.MacSize];
            hmac.Compute(data, mac);
            if (!mac.SequenceEqual(HMACSHA256.HashData(key, data)))
            {
                Interlocked.Increment(ref wrong);
            }
        });

        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Verify_TheMacOrAnother_OnlyTheMacHolds()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var data = "v1.claims"u8.ToArray();
        var hmac = new HmacKey(key);
        var mac = HMACSHA256.HashData(key, data);

        Assert.True(hmac.Verify(data, mac));
        var altered = mac.ToArray();
        altered[^1] ^= 1;
        Assert.False(hmac.Verify(data, altered));
        Assert.False(hmac.Verify(data, mac.AsSpan(0, HmacKey.MacSize - 1)));
        Assert.False(new HmacKey(RandomNumberGenerator.GetBytes(32)).Verify(data, mac));
    }

    [Fact]
    public void Compute_DestinationShorterThanAMac_Throws()
    {
        var hmac = new HmacKey(RandomNumberGenerator.GetBytes(32));

        Assert.Throws<ArgumentOutOfRangeException>(() => hmac.Compute("data"u8, new byte[HmacKey.MacSize - 1]));
    }
}
