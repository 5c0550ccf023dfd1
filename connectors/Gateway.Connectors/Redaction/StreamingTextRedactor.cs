using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts text that arrives in pieces, without buffering the whole stream: it holds back only a tail
/// of at most <see cref="SensitivePatterns.MaxBoundedMatchLength"/> characters that could still become
/// (or extend) a match. A token longer than that which reaches the end of the buffer is replaced at once
/// and the rest of it is dropped as it arrives. For matches shorter than the hold-back the result is
/// identical for every way of splitting the input. The injected credential (<see cref="RedactionCounts.RedactCredential"/>)
/// is replaced first, and an ending that could still grow into it is held back, however long it is. The patterns are
/// matched in the text as a JSON parser reads it (<see cref="EscapedText"/>), an escape split across chunks read whole:
/// the hold-back counts characters of that reading, so it holds up to six times as many of an escaped text.
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

        // Matched as a JSON parser reads it (positions in the copy, mapped back to text's); an escape still arriving waits.
        var available = final ? text.Length : Math.Max(start, EscapedText.CompleteLength(text));
        var escaped = EscapedText.Of(available == text.Length ? text : text[..available]);
        var decoded = escaped.Decoded;
        var decodedStart = escaped.DecodedIndex(start);
        var safe = final ? decoded.Length : Math.Max(decodedStart, decoded.Length - SensitivePatterns.MaxBoundedMatchLength);
        if (!final && credential is not null)
        {
            safe = Math.Max(decodedStart, Math.Min(safe, escaped.DecodedIndex(Math.Min(available, credential.PartialStart(text)))));
        }

        var cut = escaped.Original(safe);
        var emitted = start;
        for (var match = SensitivePatterns.For(decoded).Match(decoded, decodedStart); match.Success; match = match.NextMatch())
        {
            if (match.Index >= safe && !final)
            {
                break;
            }

            var index = escaped.Original(match.Index);
            var end = escaped.Original(match.Index + match.Length);
            var kind = SensitivePatterns.KindOf(match);
            if (!final && match.Index + match.Length + LookaheadSlack > decoded.Length)
            {
                if (match.Length < SensitivePatterns.MaxBoundedMatchLength)
                {
                    // Could still grow with the next chunk: hold it back from its start.
                    cut = index;
                    break;
                }

                // A long token reaching the end: replace it now and drop its continuation as it arrives.
                output.Append(text, emitted, index - emitted).Append(kind.Replacement());
                _counts.Add(kind);
                _swallowing = kind;
                emitted = end;
                cut = end;
                break;
            }

            if (SensitivePatterns.IsReal(match, kind))
            {
                output.Append(text, emitted, index - emitted).Append(kind.Replacement());
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
        SetContext(text, escaped.DecodedIndex(consumed), escaped, consumed);
        _pending.Clear().Append(text, consumed, text.Length - consumed);
    }

    // The context: the last ContextLength characters of the copy before consumed, as the text spells them (whole escapes).
    private void SetContext(string text, int decodedEnd, EscapedText escaped, int consumed)
    {
        var contextStart = EscapedText.UnitStart(text, escaped.Original(Math.Max(0, decodedEnd - ContextLength)));
        _context = text[contextStart..consumed];
    }

    // Drops the continuation of a token already replaced. True when the token has ended.
    private bool Swallow(RedactionKind kind, bool final)
    {
        var text = _pending.ToString();
        var available = final ? text.Length : EscapedText.CompleteLength(text);
        var escaped = EscapedText.Of(available == text.Length ? text : text[..available]);
        var decodedLength = SensitivePatterns.Continuation(kind).Match(escaped.Decoded).Length;
        if (decodedLength < escaped.Decoded.Length || final)
        {
            var length = escaped.Original(decodedLength);
            if (length > 0)
            {
                SetContext(text, decodedLength, escaped, length);
            }

            _pending.Remove(0, length);
            _swallowing = null;
            return true;
        }

        // Still inside the token: drop it, keeping a short tail for a PEM END line split across chunks (and an escape still arriving).
        var drop = kind == RedactionKind.PrivateKey
            ? EscapedText.UnitStart(text, escaped.Original(Math.Max(0, escaped.Decoded.Length - PrivateKeyTail)))
            : available;
        _pending.Remove(0, drop);
        return false;
    }
}
