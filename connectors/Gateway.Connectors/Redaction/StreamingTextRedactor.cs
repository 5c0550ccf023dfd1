using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts text that arrives in pieces, without buffering the whole stream: it holds back only a tail
/// of at most <see cref="SensitivePatterns.MaxBoundedMatchLength"/> characters that could still become
/// (or extend) a match. A token longer than that which reaches the end of the buffer is replaced at once
/// and the rest of it is dropped as it arrives. For matches shorter than the hold-back the result is
/// identical for every way of splitting the input. The injected credential (<see cref="RedactionCounts.RedactCredential"/>)
/// is replaced first, and an ending that could still grow into it is held back, however long it is.
/// </summary>
public sealed class StreamingTextRedactor
{
    private const int ContextLength = 8;
    private const int PrivateKeyTail = 64;

    // Only matches that start before the held-back tail reach this check, so only long tokens, and those
    // look at most two characters past their end. (A card number can still grow by a separator run and
    // a digit, but it is far shorter than the tail and so held back whole until it cannot.)
    private const int LookaheadSlack = 2;
    private readonly StringBuilder _pending = new();
    private readonly RedactionCounts _counts;
    private string _context = string.Empty;
    private RedactionKind? _swallowing;

    public StreamingTextRedactor(RedactionCounts counts) => _counts = counts ?? throw new ArgumentNullException(nameof(counts));

    /// <summary>Characters currently held back (bounded).</summary>
    public int HeldBack => _pending.Length;

    /// <summary>Adds <paramref name="chunk"/> and appends whatever is now safe to emit to <paramref name="output"/>.</summary>
    public void Write(ReadOnlySpan<char> chunk, StringBuilder output)
    {
        _pending.Append(chunk);
        Drain(output, final: false);
    }

    /// <summary>Ends the stream: emits the held-back tail, redacted.</summary>
    public void Complete(StringBuilder output) => Drain(output, final: true);

    private void Drain(StringBuilder output, bool final)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_swallowing is { } swallowing && !Swallow(swallowing, final))
        {
            return;
        }

        var text = _context + _pending.ToString();
        var start = _context.Length;
        var credential = _counts.Credential;
        if (credential is not null)
        {
            // The injected credential first (whole occurrences; one still arriving is held back below).
            text = credential.Redact(text, start, _counts);
        }

        var safe = final ? text.Length : Math.Max(start, text.Length - SensitivePatterns.MaxBoundedMatchLength);
        if (!final && credential is not null)
        {
            safe = Math.Max(start, Math.Min(safe, credential.PartialStart(text)));
        }

        var cut = safe;
        var emitted = start;
        for (var match = SensitivePatterns.For(text).Match(text, start); match.Success; match = match.NextMatch())
        {
            if (match.Index >= safe && !final)
            {
                break;
            }

            var end = match.Index + match.Length;
            var kind = SensitivePatterns.KindOf(match);
            if (!final && end + LookaheadSlack > text.Length)
            {
                if (match.Length < SensitivePatterns.MaxBoundedMatchLength)
                {
                    // Could still grow with the next chunk: hold it back from its start.
                    cut = match.Index;
                    break;
                }

                // A long token reaching the end: replace it now and drop its continuation as it arrives.
                output.Append(text, emitted, match.Index - emitted).Append(kind.Replacement());
                _counts.Add(kind);
                _swallowing = kind;
                emitted = end;
                cut = end;
                break;
            }

            if (SensitivePatterns.IsReal(match, kind))
            {
                output.Append(text, emitted, match.Index - emitted).Append(kind.Replacement());
                _counts.Add(kind);
                emitted = end;
            }

            cut = Math.Max(cut, end);
        }

        if (cut > emitted)
        {
            output.Append(text, emitted, cut - emitted);
        }

        var consumed = Math.Max(cut, emitted);
        var contextStart = Math.Max(0, consumed - ContextLength);
        _context = text[contextStart..consumed];
        _pending.Clear().Append(text, consumed, text.Length - consumed);
    }

    // Drops the continuation of a token already replaced. True when the token has ended.
    private bool Swallow(RedactionKind kind, bool final)
    {
        var text = _pending.ToString();
        var length = SensitivePatterns.Continuation(kind).Match(text).Length;
        if (length < text.Length || final)
        {
            if (length > 0)
            {
                _context = text[Math.Max(0, length - ContextLength)..length];
            }

            _pending.Remove(0, length);
            _swallowing = null;
            return true;
        }

        // Still inside the token: drop it, keeping a short tail for a PEM END line split across chunks.
        var keep = kind == RedactionKind.PrivateKey ? Math.Min(PrivateKeyTail, text.Length) : 0;
        _pending.Remove(0, text.Length - keep);
        return false;
    }
}
