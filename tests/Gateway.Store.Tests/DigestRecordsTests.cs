namespace Gateway.Store.Tests;

/// <summary>The embedded store's nonces and decision-token records held by digest: which values, and their expiry.</summary>
public sealed class DigestRecordsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("7")]
    [InlineData("1795960813")]
    [InlineData("999999999999999999")]
    [InlineData(TokenRecording.Issued)]
    [InlineData(TokenRecording.Used)]
    public void TryEncode_AValueThatReadsBackExactly_IsHeldAsANumber(string text)
    {
        Assert.True(DigestRecords.TryEncode(text, out var value));
        Assert.Equal(text, DigestRecords.Decode(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("007")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData("ts-fresh")]
    [InlineData("9223372036854775807")]
    [InlineData("١٢٣")]
    public void TryEncode_AnythingElse_StaysAnEntry(string text) => Assert.False(DigestRecords.TryEncode(text, out _));

    [Fact]
    public void Sweep_PastAnExpiry_RemovesThatRecordOnlyAndARewrittenOneKeepsItsNewExpiry()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var records = new DigestRecords();
        UInt128 early = DigestRecords.Of("nonce:early"), late = DigestRecords.Of("nonce:late"), moved = DigestRecords.Of("token:moved");
        records.Put(early, 1, now.AddSeconds(10));
        records.Put(late, 2, now.AddSeconds(30));
        records.Put(moved, 3, now.AddSeconds(10));
        records.Put(moved, 4, now.AddSeconds(60));

        records.Sweep(now.AddSeconds(20));
        Assert.Equal(2, records.Count);

        Assert.False(records.TryGetLive(early, now.AddSeconds(20), out _, out _));
        Assert.True(records.TryGetLive(late, now.AddSeconds(20), out var value, out var expiresAt));
        Assert.Equal((2, now.AddSeconds(30)), (value, expiresAt));
        Assert.True(records.TryGetLive(moved, now.AddSeconds(20), out value, out _));
        Assert.Equal(4, value);
        Assert.False(records.TryGetLive(late, now.AddSeconds(30), out _, out _));

        records.Sweep(now.AddSeconds(60));
        Assert.Equal(0, records.Count);
    }
}
