using Gateway.Connectors.Streaming;
using Gateway.Policy;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// What a server answers the gateway's own session is read to the session's answer limit (<see cref="AnswerLimit"/>: the
/// server's <c>limits.max_response_bytes</c>, never below the default response limit, since a listing of many tools can be
/// far longer than the tool results that limit is set for): an answer to a request (a listing's page, a prompt, a
/// resource, <c>initialize</c>) past it in all, and an event of the session's GET stream (which lasts the session) past it
/// on its own, fail as a listing past its bounds does (<see cref="ListingTooLongException"/>), read no further and never
/// held whole, so that a server cannot grow the gateway's memory by one long answer within its timeout.
/// </summary>
public sealed partial class McpServerToolLists
{
    // The unwrapped listing past its bounds or answer past its limit, however the SDK or HttpClient wrapped it; else null.
    private static ListingTooLongException? TooLong(Exception? failure)
    {
        for (; failure is not null; failure = failure.InnerException)
        {
            if (failure is ListingTooLongException tooLong)
            {
                return tooLong;
            }
        }

        return null;
    }

    /// <summary>
    /// The most bytes one answer to the gateway's own session with <paramref name="server"/> may hold: the server's response
    /// limit or <see cref="ConnectorLimits.DefaultMaxResponseBytes"/>, whichever is larger.
    /// </summary>
    private static long AnswerLimit(CatalogEntry server) =>
        Math.Max(server.Limits.ResponseBytes, ConnectorLimits.DefaultMaxResponseBytes);

    /// <summary>Reads each answer of the session through <see cref="LimitedStream"/>, at the session's answer limit.</summary>
    private sealed class ResponseLimitHandler(long limit) : DelegatingHandler
    {
        /// <inheritdoc/>
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            response.Content = new LimitedContent(response.Content, limit, perEvent: request.Method == HttpMethod.Get);
            return response;
        }
    }

    /// <summary>An answer's content, its bytes as they are, read through a <see cref="LimitedStream"/>.</summary>
    private sealed class LimitedContent(HttpContent inner, long limit, bool perEvent) : ReadThroughContent(inner, keepsLength: true)
    {
        /// <inheritdoc/>
        protected override Stream ReadThrough(Stream read) => new LimitedStream(read, limit, perEvent);
    }

    /// <summary>
    /// Counts the bytes read and throws <see cref="ListingTooLongException"/> on the read that takes them past the limit (in
    /// all, or, <c>perEvent</c> for a GET stream's server-sent events, since the blank line that ended the last event) and
    /// on every read after it, without reading on.
    /// </summary>
    private sealed class LimitedStream(Stream inner, long limit, bool perEvent) : ReadThroughStream(inner)
    {
        private long _read;
        private bool _lineEmpty = true;
        private bool _afterCarriageReturn;

        public override int Read(Span<byte> buffer)
        {
            ThrowIfPast();
            var read = Inner.Read(buffer);
            Count(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ThrowIfPast();
            var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count(buffer.Span[..read]);
            return read;
        }

        public override async ValueTask DisposeAsync()
        {
            await Inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        private void Count(ReadOnlySpan<byte> read)
        {
            if (!perEvent)
            {
                _read += read.Length;
                ThrowIfPast();
                return;
            }

            // An event ends at a blank line; a line at CR, LF or CRLF (the LF of a CRLF ends nothing more).
            foreach (var b in read)
            {
                _read++;
                if (b == (byte)'\n' && _afterCarriageReturn)
                {
                    _afterCarriageReturn = false;
                    continue;
                }

                _afterCarriageReturn = b == (byte)'\r';
                if (b is not ((byte)'\n' or (byte)'\r'))
                {
                    _lineEmpty = false;
                }
                else if (_lineEmpty)
                {
                    _read = 0;
                }
                else
                {
                    _lineEmpty = true;
                }

                ThrowIfPast();
            }
        }

        private void ThrowIfPast()
        {
            if (_read > limit)
            {
                throw new ListingTooLongException($"the server's answer goes past the session's answer limit of {limit} bytes");
            }
        }
    }
}
