using System.Buffers;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests.Streaming;

/// <summary>The pooled writer keeps what was written across growth, and is empty (and usable) once its array is returned.</summary>
public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Write_PastItsCapacityManyTimes_KeepsEveryByteInOrder()
    {
        var writer = new PooledBufferWriter(initialCapacity: 16);
        var expected = new List<byte>();
        for (var i = 0; i < 500; i++)
        {
            var chunk = Enumerable.Range(i, (i % 37) + 1).Select(static b => (byte)b).ToArray();
            writer.Write(chunk);
            expected.AddRange(chunk);
        }

        Assert.Equal(expected.ToArray(), writer.WrittenSpan.ToArray());
        Assert.Equal(expected.Count, writer.WrittenCount);
        Assert.Equal(expected.ToArray(), writer.WrittenMemory.ToArray());
        writer.Return();
    }

    [Fact]
    public void Return_ThenWrite_IsEmptyThenHoldsOnlyTheNewBytes()
    {
        var writer = new PooledBufferWriter();
        writer.Write("secret of the last body"u8);

        writer.Return();
        var afterReturn = writer.WrittenCount;
        writer.Write("next"u8);

        Assert.Equal(0, afterReturn);
        Assert.Equal("next"u8.ToArray(), writer.WrittenSpan.ToArray());
        writer.Return();
    }

    [Fact]
    public void ResetWrittenCount_KeepsTheArrayAndForgetsTheBytes()
    {
        var writer = new PooledBufferWriter();
        writer.Write("abc"u8);

        writer.ResetWrittenCount();
        writer.Write("de"u8);

        Assert.Equal("de"u8.ToArray(), writer.WrittenSpan.ToArray());
        writer.Return();
    }

    [Fact]
    public void Advance_PastWhatItGaveOut_Throws()
    {
        var writer = new PooledBufferWriter(initialCapacity: 8);
        var given = writer.GetSpan(4).Length;

        Assert.Throws<InvalidOperationException>(() => writer.Advance(given + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
        writer.Return();
    }
}
