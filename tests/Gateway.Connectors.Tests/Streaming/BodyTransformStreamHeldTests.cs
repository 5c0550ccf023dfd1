using System.Runtime.CompilerServices;
using System.Text;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests.Streaming;

/// <summary>A body the transform held to its end is announced with its length before it is written; one it passed on is not.</summary>
public sealed class BodyTransformStreamHeldTests
{
    [Fact]
    public async Task CompleteAsync_JsonHeldWhole_CallsHeldWithItsLengthBeforeWriting()
    {
        using var inner = new MemoryStream();
        var calls = new List<(long, long)>();
        var stream = new BodyTransformStream(inner, BodyRedactors.For("application/json"), static (state, length) =>
        {
            var (list, written) = ((List<(long, long)>, MemoryStream))state;
            list.Add((length, written.Length));
        }, (calls, inner));

        await stream.WriteAsync(Encoding.UTF8.GetBytes("""{"a":"x@example.com","""));
        await stream.WriteAsync(Encoding.UTF8.GetBytes(""" "b":1}"""));
        await stream.CompleteAsync();

        Assert.Equal((inner.Length, 0L), Assert.Single(calls));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompleteAsync_BodyPassedOnOrFlushedBefore_DoesNotCallHeld(bool flushOnly)
    {
        using var inner = new MemoryStream();
        var box = new StrongBox<int>();
        var stream = new BodyTransformStream(inner, flushOnly ? BodyRedactors.For("application/json") : BodyRedactors.For("text/plain"),
            static (state, _) => ((StrongBox<int>)state).Value++, box);

        await stream.WriteAsync(Encoding.UTF8.GetBytes(new string('a', 64 * 1024)));
        if (flushOnly)
        {
            await stream.FlushAsync();
        }

        await stream.CompleteAsync();

        Assert.Equal(0, box.Value);
        Assert.True(inner.Length > 0);
    }
}
