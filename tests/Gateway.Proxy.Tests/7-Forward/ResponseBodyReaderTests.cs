using Gateway.Proxy.Forward;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// The upstream body reader: the whole body up to a limit, whatever the declared length says, with
/// bodies that arrive in small pieces (a pooled buffer grows across reads).
/// </summary>
public sealed class ResponseBodyReaderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5_000)]
    [InlineData(16 * 1024)]
    [InlineData(100_000)]
    public async Task ReadUpToAsync_BodyWithinLimit_ReturnsEveryByte(int size)
    {
        var body = Body(size);

        foreach (var declared in new[] { true, false })
        {
            var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(Content(body, declared ? size : null), limit: 200_000, CancellationToken.None);

            Assert.Equal(body, bytes);
            Assert.False(more);
        }
    }

    [Theory]
    [InlineData(10, 11)]
    [InlineData(16 * 1024, 16 * 1024 + 1)]
    [InlineData(50_000, 300_000)]
    public async Task ReadUpToAsync_BodyPastLimit_ReturnsLimitAndMore(int limit, int size)
    {
        var body = Body(size);

        foreach (var declared in new[] { true, false })
        {
            var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(Content(body, declared ? size : null), limit, CancellationToken.None);

            Assert.Equal(body[..limit], bytes);
            Assert.True(more);
        }
    }

    [Fact]
    public async Task ReadUpToAsync_BodyExactlyAtLimit_IsNotMore()
    {
        var body = Body(4096);

        var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(Content(body, null), limit: 4096, CancellationToken.None);

        Assert.Equal(body, bytes);
        Assert.False(more);
    }

    [Fact]
    public async Task ReadUpToAsync_DeclaredLengthTooSmall_TheBytesDecide()
    {
        var body = Body(70_000);

        var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(Content(body, declaredLength: 10), limit: 100_000, CancellationToken.None);

        Assert.Equal(body, bytes);
        Assert.False(more);
    }

    [Fact]
    public async Task ReadUpToAsync_DeclaredLengthHuge_DoesNotTrustIt()
    {
        var body = Body(300);

        var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(Content(body, declaredLength: long.MaxValue / 2), limit: 1_000, CancellationToken.None);

        Assert.Equal(body, bytes);
        Assert.False(more);
    }

    [Fact]
    public async Task ReadUpToAsync_LimitPastAnArray_ReadsTheBody()
    {
        var body = Body(2_000);

        var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(Content(body, 2_000), limit: 10_000_000_000, CancellationToken.None);

        Assert.Equal(body, bytes);
        Assert.False(more);
    }

    private static byte[] Body(int size)
    {
        var body = new byte[size];
        new Random(size).NextBytes(body);
        return body;
    }

    // A stream that hands out at most 700 bytes per read, like a body arriving in TCP segments.
    private static StreamContent Content(byte[] body, long? declaredLength)
    {
        var content = new StreamContent(new TrickleStream(body));
        content.Headers.ContentLength = declaredLength;
        return content;
    }

    private sealed class TrickleStream(byte[] body) : MemoryStream(body, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 700));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 700)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 700)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 700), cancellationToken);
    }
}
