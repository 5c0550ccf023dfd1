using System.Text;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// An answer to a request the gateway itself sent with a connector's credential (its own MCP sessions: listings, prompts,
/// resources, the server's notifications), read with every spelling of that credential (<see cref="CredentialSpellings"/>)
/// replaced by <c>[REDACTED:credential]</c> as it streams: what the server lists or says reaches agents, and must not carry
/// the credential back to them. Its length is no longer known (the replacement differs in length).
/// </summary>
internal sealed class CredentialEchoContent(HttpContent inner, CredentialSpellings credential) : ReadThroughContent(inner, keepsLength: false)
{
    /// <summary><paramref name="content"/> read with <paramref name="spellings"/> redacted, under its headers but its length.</summary>
    public static CredentialEchoContent Of(HttpContent content, CredentialSpellings spellings) => new(content, spellings);

    /// <inheritdoc/>
    protected override Stream ReadThrough(Stream read) => new EchoStream(read, credential);

    // The body as UTF-8 text, each piece redacted as it is read; an ending that could still grow into a spelling is held
    // back until the next piece (or the end) shows it.
    private sealed class EchoStream(Stream inner, CredentialSpellings credential) : ReadThroughStream(inner)
    {
        private const int ChunkBytes = 8192;
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
        private readonly byte[] _input = new byte[ChunkBytes];
        private readonly char[] _chars = new char[ChunkBytes + 1];
        private readonly RedactionCounts _counts = new();
        private string _pending = string.Empty;
        private byte[] _output = [];
        private int _outputAt;
        private bool _ended;

        public override int Read(Span<byte> buffer)
        {
            while (_outputAt == _output.Length && !_ended)
            {
                Take(Inner.Read(_input, 0, _input.Length));
            }

            return Copy(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_outputAt == _output.Length && !_ended)
            {
                Take(await Inner.ReadAsync(_input, cancellationToken).ConfigureAwait(false));
            }

            return Copy(buffer.Span);
        }

        // Decodes what was read (0: the end), redacts, and makes what is now safe the output.
        private void Take(int read)
        {
            _ended = read == 0;
            var decoded = _decoder.GetChars(_input, 0, read, _chars, 0, flush: _ended);
            var text = credential.Redact(_pending + new string(_chars, 0, decoded), 0, _counts);
            var safe = _ended ? text.Length : credential.PartialStart(text);
            _pending = text[safe..];
            _output = Encoding.UTF8.GetBytes(text, 0, safe);
            _outputAt = 0;
        }

        private int Copy(Span<byte> buffer)
        {
            var length = Math.Min(buffer.Length, _output.Length - _outputAt);
            _output.AsSpan(_outputAt, length).CopyTo(buffer);
            _outputAt += length;
            return length;
        }
    }
}
