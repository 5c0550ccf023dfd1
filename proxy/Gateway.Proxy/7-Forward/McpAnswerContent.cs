using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forward;

/// <summary>
/// An MCP server's event stream answering a governed call, read through as it came: read to its end, the call was answered
/// (its answer is the stream's last event); let go before (the stream or the content disposed), the call was ended before
/// its answer, and <see cref="McpCancelledNotifier"/> tells the server.
/// </summary>
internal sealed class McpAnswerContent(HttpContent inner, McpCancelledNotifier.ForwardedCall call) : ReadThroughContent(inner, keepsLength: true)
{
    /// <summary><paramref name="content"/>, under its own headers, its end watched for <paramref name="call"/>.</summary>
    public static McpAnswerContent Of(HttpContent content, McpCancelledNotifier.ForwardedCall call) => new(content, call);

    /// <inheritdoc/>
    protected override Stream ReadThrough(Stream read) => new AnswerStream(read, call);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            call.Ended();
        }

        base.Dispose(disposing);
    }

    /// <summary>The server's stream, read as it is: its end (a read of nothing) is the answer's arrival; disposed before, the call's end.</summary>
    private sealed class AnswerStream(Stream inner, McpCancelledNotifier.ForwardedCall call) : ReadThroughStream(inner)
    {
        // The array read goes to the inner stream's own array read, as it always has, not through a span.
        public override int Read(byte[] buffer, int offset, int count) => Seen(Inner.Read(buffer, offset, count), count);

        public override int Read(Span<byte> buffer) => Seen(Inner.Read(buffer), buffer.Length);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Seen(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);

        // The call ends before the inner stream is disposed (by the base).
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                call.Ended();
            }

            base.Dispose(disposing);
        }

        private int Seen(int read, int asked)
        {
            if (read == 0 && asked > 0)
            {
                call.Answered();
            }

            return read;
        }
    }
}
