using System.Text;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Tests.Streaming;

/// <summary>
/// The one SSE framing: line ends of every kind the specification allows (also split between chunks), a
/// leading byte order mark, comments, data over several lines, empty and unterminated events, the limit.
/// </summary>
public sealed class SseFramerTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Read_EachLineEnd_SameEvents(string lineEnd)
    {
        var body = string.Join(lineEnd, ": ping", "event: delta", "data: {\"a\":", "data: 1}", "", "id: 7", "data:x");

        var events = Events(Encoding.UTF8.GetBytes(body));

        Assert.Equal(
            [
                new FramedEvent([": ping", "event: delta", "data: {\"a\":", "data: 1}"], 2, "{\"a\":\n1}", Terminated: true),
                new FramedEvent(["id: 7", "data:x"], 1, "x", Terminated: false),
            ],
            events);
    }

    [Fact]
    public void Read_EverySplitOfEveryChunking_SameEventsAsOneChunk()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFF: keep\r\ndata: a\r\rdata: b\ndata: c\r\n\r\n\r\nevent: x\rdata\n\ndata: é€😀 tail");
        var whole = Events(bytes);

        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                Assert.Equal(whole, Events(bytes[..first], bytes[first..second], bytes[second..]));
            }
        }

        Assert.Equal(
            [
                new FramedEvent([": keep", "data: a"], 1, "a", Terminated: true),
                new FramedEvent(["data: b", "data: c"], 0, "b\nc", Terminated: true),
                new FramedEvent([], -1, "", Terminated: true),
                new FramedEvent(["event: x", "data"], 1, "", Terminated: true),
                new FramedEvent(["data: é€😀 tail"], 0, "é€😀 tail", Terminated: false),
            ],
            whole);
    }

    [Fact]
    public void Read_CarriageReturnEndingAChunk_NextByteIsNotLineFeed_StartsTheNextLine()
    {
        Assert.Equal(
            [new FramedEvent(["data: a", "data: b"], 0, "a\nb", Terminated: true)],
            Events("data: a\r"u8.ToArray(), "data: b\r"u8.ToArray(), "\r"u8.ToArray()));
    }

    [Fact]
    public void Read_ByteOrderMark_OnlyAtTheStreamsStartIsLeftOut()
    {
        var bom = Encoding.UTF8.GetPreamble();

        var events = Events([.. bom, .. "data: 1\n\n"u8, .. bom, .. "data: 2\n\n"u8]);

        Assert.Equal("data: 1", events[0].Lines[0]);
        Assert.Equal("\uFEFFdata: 2", events[1].Lines[0]);
        Assert.Equal(-1, events[1].FirstDataLine);
    }

    [Fact]
    public void Read_EventOverTheLimit_Throws()
    {
        var framer = new SseFramer(16, "too large");
        ReadOnlySpan<byte> fits = "data: 123456789\n"u8;
        Assert.False(framer.TryRead(ref fits, out _));

        var exception = Assert.Throws<InvalidDataException>(() =>
        {
            ReadOnlySpan<byte> more = "x"u8;
            framer.TryRead(ref more, out _);
        });
        Assert.Equal("too large", exception.Message);
    }

    [Fact]
    public void Read_LimitCountsOneEventAtATime()
    {
        var framer = new SseFramer(16);
        for (var i = 0; i < 100; i++)
        {
            ReadOnlySpan<byte> input = "data: 12345678\n\n"u8;
            Assert.True(framer.TryRead(ref input, out var sseEvent));
            Assert.Equal("12345678", Encoding.UTF8.GetString(sseEvent.Data));
            Assert.True(input.IsEmpty);
        }
    }

    [Fact]
    public void TryReadLast_NothingPending_ReadsNothing()
    {
        var framer = new SseFramer(1024);
        ReadOnlySpan<byte> input = "data: a\n\n"u8;
        Assert.True(framer.TryRead(ref input, out _));

        Assert.False(framer.TryReadLast(out _));
        Assert.False(framer.TryReadLast(out _));
    }

    [Fact]
    public void WriteTo_WritesTheLinesWithLfAndTheTerminator()
    {
        var framer = new SseFramer(1024);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        ReadOnlySpan<byte> input = ": c\r\ndata: a\r\rdata: tail"u8;

        while (framer.TryRead(ref input, out var sseEvent))
        {
            sseEvent.WriteTo(output);
        }

        Assert.True(framer.TryReadLast(out var last));
        last.WriteTo(output);
        Assert.Equal(": c\ndata: a\n\ndata: tail\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static List<FramedEvent> Events(params byte[][] chunks)
    {
        var framer = new SseFramer(1024);
        var events = new List<FramedEvent>();
        foreach (var chunk in chunks)
        {
            ReadOnlySpan<byte> input = chunk;
            while (framer.TryRead(ref input, out var sseEvent))
            {
                events.Add(FramedEvent.Of(sseEvent));
            }

            Assert.True(input.IsEmpty);
        }

        if (framer.TryReadLast(out var last))
        {
            events.Add(FramedEvent.Of(last));
        }

        var enumerated = new List<FramedEvent>();
        foreach (var sseEvent in SseFramer.Enumerate([.. chunks.SelectMany(c => c)]))
        {
            enumerated.Add(FramedEvent.Of(sseEvent));
        }

        Assert.Equal(events, enumerated);
        return events;
    }

    private sealed record FramedEvent(string[] Lines, int FirstDataLine, string Data, bool Terminated)
    {
        public static FramedEvent Of(SseEvent sseEvent)
        {
            var lines = new string[sseEvent.LineCount];
            for (var i = 0; i < lines.Length; i++)
            {
                lines[i] = Encoding.UTF8.GetString(sseEvent.Line(i));
            }

            Assert.Equal(sseEvent.FirstDataLine >= 0, sseEvent.HasData);
            return new FramedEvent(lines, sseEvent.FirstDataLine, Encoding.UTF8.GetString(sseEvent.Data), sseEvent.Terminated);
        }

        public bool Equals(FramedEvent? other) =>
            other is not null && Lines.SequenceEqual(other.Lines) && FirstDataLine == other.FirstDataLine && Data == other.Data && Terminated == other.Terminated;

        public override int GetHashCode() => HashCode.Combine(Lines.Length, FirstDataLine, Data, Terminated);
    }
}
