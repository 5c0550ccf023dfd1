using Gateway.Proxy.Forward;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// <see cref="UpstreamResponse.LimitCrossed"/>: the Forward stage's record says when the provider route's answer crossed
/// the connector's <c>max_response_bytes</c> while it streamed, so that Respond records and refuses it from the record.
/// </summary>
public sealed class UpstreamResponseTests
{
    [Fact]
    public async Task LimitCrossed_WithinTheLimit_IsNull()
    {
        using var sent = new MemoryStream();
        var limit = new ResponseSizeLimitStream(sent, 8);

        await limit.WriteAsync(new byte[8]);

        Assert.Null(new UpstreamResponse(200) { SizeLimit = limit }.LimitCrossed);
    }

    [Fact]
    public async Task LimitCrossed_AWriteBeyondTheLimit_IsResponseTooLargeNamingTheLimit()
    {
        using var sent = new MemoryStream();
        var limit = new ResponseSizeLimitStream(sent, 8);
        await limit.WriteAsync(new byte[6]);

        await Assert.ThrowsAnyAsync<Exception>(async () => await limit.WriteAsync(new byte[3]));

        var refusal = new UpstreamResponse(200) { SizeLimit = limit }.LimitCrossed;
        Assert.NotNull(refusal);
        Assert.Equal(502, refusal.Status);
        Assert.Equal("response_too_large", refusal.Code);
        Assert.Contains("8 bytes", refusal.Detail, StringComparison.Ordinal);
        Assert.Equal(6, sent.Length);
    }

    [Fact]
    public void LimitCrossed_NativeRouteWithoutAStream_IsNull()
    {
        Assert.Null(new UpstreamResponse(200).LimitCrossed);
    }
}
