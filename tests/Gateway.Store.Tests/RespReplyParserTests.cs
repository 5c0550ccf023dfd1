using System.Buffers;
using System.Text;
using Gateway.Store.Resp;

namespace Gateway.Store.Tests;

/// <summary>The reply parser on partial and malformed input (no server needed).</summary>
public sealed class RespReplyParserTests
{
    private const string Replies = "+OK\r\n-ERR bad thing\r\n:-42\r\n$5\r\na\r\nbc\r\n$-1\r\n*-1\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n";

    [Fact]
    public void TryParse_WholeBuffer_ReadsEveryReplyInOrder()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Replies));
        var replies = new List<RespValue>();
        while (RespReplyParser.TryParse(ref buffer, out var reply))
        {
            replies.Add(reply);
        }

        Assert.True(buffer.IsEmpty);
        Assert.Equal([RespKind.SimpleString, RespKind.Error, RespKind.Integer, RespKind.BulkString, RespKind.Null, RespKind.Null, RespKind.Array], replies.Select(r => r.Kind));
        Assert.Equal("ERR bad thing", replies[1].AsString());
        Assert.Equal(-42, replies[2].Integer);
        Assert.Equal("a\r\nbc", replies[3].AsString());
        Assert.Equal(1, replies[6].Items[0].Items[0].Integer);
        Assert.Equal(string.Empty, replies[6].Items[1].AsString());
    }

    [Fact]
    public void TryParse_EveryPrefixOfAReply_ConsumesNothingUntilComplete()
    {
        var bytes = Encoding.UTF8.GetBytes("*2\r\n$3\r\nfoo\r\n*1\r\n:7\r\n");
        for (var length = 0; length < bytes.Length; length++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(RespReplyParser.TryParse(ref partial, out _));
            Assert.Equal(length, partial.Length);
        }

        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(RespReplyParser.TryParse(ref whole, out var reply));
        Assert.Equal("foo", reply.Items[0].AsString());
        Assert.Equal(7, reply.Items[1].Items[0].Integer);
    }

    [Fact]
    public void TryParse_ReplySplitAcrossSegments_Parses()
    {
        var first = new BufferSegment(Encoding.UTF8.GetBytes("$12\r\nhel"));
        var last = first.Append(Encoding.UTF8.GetBytes("lo\r")).Append(Encoding.UTF8.GetBytes("\nworld\r\n"));
        var buffer = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

        Assert.True(RespReplyParser.TryParse(ref buffer, out var reply));
        Assert.Equal("hello\r\nworld", reply.AsString());
    }

    [Theory]
    [InlineData("!oops\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("$-7\r\n")]
    public void TryParse_MalformedInput_ThrowsProtocolError(string input)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(input));

        Assert.Throws<RespProtocolException>(() => RespReplyParser.TryParse(ref buffer, out _));
    }

    private sealed class BufferSegment : ReadOnlySequenceSegment<byte>
    {
        public BufferSegment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public BufferSegment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new BufferSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
