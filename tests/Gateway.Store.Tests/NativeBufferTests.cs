namespace Gateway.Store.Tests;

/// <summary>Memory of its own outside the GC's heap: zeroed, in place, and unreadable once freed.</summary>
public sealed class NativeBufferTests
{
    [Fact]
    public void Indexer_ANewBuffer_IsZeroedAndWritesInPlace()
    {
        using var buffer = new NativeBuffer<long>(1_000);

        Assert.All(buffer.Span.ToArray(), item => Assert.Equal(0, item));
        buffer[999] = 7;
        ref var last = ref buffer[999];
        last++;
        Assert.Equal(8, buffer.Span[999]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    public void Indexer_OutsideTheBuffer_Throws(int index)
    {
        using var buffer = new NativeBuffer<int>(16);

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer[index]);
    }

    [Fact]
    public void Dispose_ThenRead_ThrowsInsteadOfReadingFreedMemory()
    {
        var buffer = new NativeBuffer<int>(16);
        buffer[3] = 1;

        buffer.Dispose();
        buffer.Dispose();

        Assert.Equal(0, buffer.Length);
        Assert.True(buffer.Span.IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer[3]);
    }
}
