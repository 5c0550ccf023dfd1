namespace Gateway.Connectors.Redaction;

/// <summary>
/// Holds server-sent events back while a value streamed across them might still turn out sensitive.
/// The values of a streamed-text member (<see cref="StreamedTextMembers"/>: <c>choices[].delta.content</c>,
/// Anthropic's <c>delta.text</c>, the Responses API's <c>delta</c>…) at one stream key (the JSON path, with a choice's
/// <c>index</c> or a Responses item's identity: <see cref="SseJsonFrame"/>), or the text data, of consecutive events
/// are read as one text, so that interleaved choices or items are each read on their own; a stream whose element or
/// item a later event says is finished (<see cref="HeldEvent.Completed"/>) is complete; other string values are complete in their event and
/// redacted there without holding anything back; the text is matched as a JSON parser reads it (<see cref="EscapedText"/>);
/// an event is released once everything it holds lies before the point where that text could still
/// grow into a match (the start of an unfinished match, or of a trailing word, card-digit run with its
/// separator runs, or <c>Bearer</c> credential, or the start of the injected credential). A match spanning events is replaced in the first event
/// and removed from the others. Bounded: past <c>maxHeldChars</c> or 256 events everything held is released, redacted as it stands,
/// and of each streamed text still unfinished the last <see cref="ContextLength"/> characters released are kept as context: the
/// next events' text is matched after it, so a match spanning the release point is found and its part in those events replaced.
/// </summary>
internal sealed class SplitValueHoldback(RedactionCounts counts, int maxHeldChars)
{
    /// <summary>The path of text data (not JSON), which streams across events like a streamed member.</summary>
    public const string TextPath = "$text";

    private const int MaxHeldEvents = 256;

    /// <summary>Characters (as read, <see cref="EscapedText"/>) of an unfinished stream kept as context past a release forced by the bound.</summary>
    internal const int ContextLength = SensitivePatterns.MaxBoundedMatchLength;

    // The patterns look at most two characters past a match; a card number that a separator run and a
    // digit could still extend is held back by TrailingRunStart, which takes in those runs.
    private const int LookaheadSlack = 2;

    /// <summary>Member names whose values providers stream piece by piece across events.</summary>
    public static IReadOnlySet<string> StreamedTextMembers => StreamedMembers;

    private static readonly HashSet<string> StreamedMembers = new(StringComparer.Ordinal)
    {
        "content", "text", "delta", "partial_json", "arguments", "refusal", "reasoning", "reasoning_content", "thinking", "output_text",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> StreamedMemberLookup = StreamedMembers.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly List<HeldEvent> _held = [];

    // Per streamed path, the end of its text released by a release the bound forced (already redacted, never written again).
    private readonly Dictionary<string, string> _contexts = new(StringComparer.Ordinal);

    // Working sets of a release, kept between releases (a release runs once per event).
    private readonly Dictionary<string, List<HeldValue>> _streamed = new(StringComparer.Ordinal);
    private readonly List<List<HeldValue>> _streams = [];
    private readonly List<List<HeldValue>> _spareLists = [];
    private readonly List<Found> _found = [];

    /// <summary>Adds an event; appends the events that are now safe to write, in order, to <paramref name="released"/>.</summary>
    public void Add(HeldEvent held, List<HeldEvent> released)
    {
        _held.Add(held);
        Release(final: false, released);
    }

    /// <summary>The stream ended: appends every held event, redacted, to <paramref name="released"/>.</summary>
    public void Flush(List<HeldEvent> released) => Release(final: true, released);

    private void Release(bool final, List<HeldEvent> released)
    {
        ArgumentNullException.ThrowIfNull(released);
        var heldChars = GroupStreams();
        var forced = !final && (_held.Count > MaxHeldEvents || heldChars > maxHeldChars);
        final |= forced;
        var keepFrom = _held.Count;
        _found.Clear();
        foreach (var segments in _streams)
        {
            var text = segments.Count == 1 ? segments[0].Value : string.Concat(segments.Select(s => s.Value));
            var complete = final || !segments[0].Streamed || IsFinished(segments);

            // A context (released text) is matched before the held text, but a match that ends in it was dealt with then.
            var contextEnd = IsContext(segments[0]) ? segments[0].Value.Length : 0;
            if (counts.Credential is { } credential && credential.Occurs(text))
            {
                // The injected credential first, replaced where it stands (in its first event, removed from the others).
                RedactCredential(segments, text, credential, contextEnd, complete);
                text = segments.Count == 1 ? segments[0].Value : string.Concat(segments.Select(s => s.Value));
            }

            // Matched as a JSON parser reads it (positions in the copy, mapped back to text's); an escape still arriving waits.
            var escaped = EscapedText.Of(complete ? text : text[..EscapedText.CompleteLength(text)]);
            var decoded = escaped.Decoded;
            var cut = complete ? text.Length : escaped.Original(TrailingRunStart(decoded));
            if (!complete && counts.Credential is { } partial)
            {
                cut = Math.Min(cut, partial.PartialStart(text));
            }

            for (var match = SensitivePatterns.For(decoded).Match(decoded); match.Success; match = match.NextMatch())
            {
                var index = escaped.Original(match.Index);
                if (!complete && (index >= cut || match.Index + match.Length + LookaheadSlack > decoded.Length))
                {
                    cut = Math.Min(cut, index);
                    break;
                }

                var end = escaped.Original(match.Index + match.Length);
                var kind = SensitivePatterns.KindOf(match);
                if (end > contextEnd && SensitivePatterns.IsReal(match, kind))
                {
                    _found.Add(new Found(segments, index, end, kind));
                }
            }

            if (cut < text.Length)
            {
                keepFrom = Math.Min(keepFrom, EventAt(segments, cut));
            }
        }

        // A match may not be split by the release point: keep its first event back as well.
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var f in _found)
            {
                var first = EventAt(f.Segments, f.Start);
                if (EventAt(f.Segments, f.End - 1) >= keepFrom && first < keepFrom)
                {
                    keepFrom = first;
                    changed = true;
                }
            }
        }

        if (_found.Count > 0)
        {
            foreach (var f in _found.Where(f => EventAt(f.Segments, f.End - 1) < keepFrom).OrderByDescending(f => f.Start))
            {
                Apply(f);
                counts.Add(f.Kind);
            }
        }

        KeepContexts(forced, final, keepFrom);
        for (var i = 0; i < keepFrom; i++)
        {
            released.Add(_held[i]);
        }

        _held.RemoveRange(0, keepFrom);
    }

    // Groups the held values into streams (one per streamed path; each other value a stream of its own),
    // in the order they first appear; returns the characters held.
    private int GroupStreams()
    {
        foreach (var list in _streams)
        {
            list.Clear();
            _spareLists.Add(list);
        }

        _streams.Clear();
        _streamed.Clear();
        var heldChars = 0;
        for (var index = 0; index < _held.Count; index++)
        {
            heldChars += _held[index].OtherChars;
            foreach (var segment in _held[index].Values)
            {
                segment.Event = index;
                heldChars += segment.Value.Length;
                if (segment.Streamed && _streamed.TryGetValue(segment.Path, out var list))
                {
                    list.Add(segment);
                    continue;
                }

                list = _spareLists.Count > 0 ? _spareLists[^1] : [];
                if (_spareLists.Count > 0)
                {
                    _spareLists.RemoveAt(_spareLists.Count - 1);
                }

                if (segment.Streamed && _contexts.TryGetValue(segment.Path, out var context))
                {
                    list.Add(new HeldValue(segment.Path, streamed: true, context, start: -1, length: 0) { Event = -1 });
                }

                list.Add(segment);
                _streams.Add(list);
                if (segment.Streamed)
                {
                    _streamed[segment.Path] = list;
                }
            }
        }

        return heldChars;
    }

    // After a release the bound forced: the end of each streamed text not finished, as context for the next events (and no
    // other). After any other: none for a stream that released some of its held text (it was cut before anything that could
    // still grow into a match), none at all at the end of the stream.
    private void KeepContexts(bool forced, bool final, int keepFrom)
    {
        if (forced)
        {
            _contexts.Clear();
            foreach (var segments in _streams.Where(s => s[0].Streamed && !IsFinished(s)))
            {
                var text = string.Concat(segments.Select(s => s.Value));
                var escaped = EscapedText.Of(text);
                _contexts[segments[0].Path] = text[EscapedText.UnitStart(text, escaped.Original(Math.Max(0, escaped.Decoded.Length - ContextLength)))..];
            }
        }
        else if (final)
        {
            _contexts.Clear();
        }
        else if (_contexts.Count > 0)
        {
            foreach (var segments in _streams.Where(s => IsContext(s[0]) && s[1].Event < keepFrom))
            {
                _contexts.Remove(segments[0].Path);
            }
        }
    }

    private static bool IsContext(HeldValue segment) => segment.Event < 0;

    // Whether an event from the stream's last on says its element or item is finished (a key that prefixes the stream's).
    private bool IsFinished(List<HeldValue> segments)
    {
        var key = segments[0].Path;
        for (var index = segments[^1].Event; index < _held.Count; index++)
        {
            foreach (var prefix in _held[index].Completed)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal) && (key.Length == prefix.Length || key[prefix.Length] is '.' or '[' or '{'))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // Every occurrence of the credential in the stream's text, replaced from the last one back (earlier offsets hold); in a
    // text still arriving, one that with what follows it could still grow into a longer spelling (a base64 value's last
    // character and padding) is left to the release that sees the rest (held back: the text could still grow there).
    private void RedactCredential(List<HeldValue> segments, string text, CredentialSpellings credential, int contextEnd, bool complete)
    {
        var occurrences = new List<Found>();
        foreach (var (at, length) in credential.FindAll(text, 0) ?? [])
        {
            if (at + length > contextEnd && (complete || credential.PartialStart(text.AsSpan(at)) > 0))
            {
                occurrences.Add(new Found(segments, at, at + length, RedactionKind.Credential));
            }
        }

        for (var i = occurrences.Count - 1; i >= 0; i--)
        {
            Apply(occurrences[i]);
            counts.Add(RedactionKind.Credential);
        }
    }

    // Replaces the match in its first held segment and deletes the rest of it from the following ones (a context is not written again).
    private static void Apply(Found found)
    {
        var offset = 0;
        var replaced = false;
        foreach (var segment in found.Segments)
        {
            var start = Math.Max(found.Start - offset, 0);
            var end = Math.Min(found.End - offset, segment.Value.Length);
            offset += segment.Value.Length;
            if (start >= end || IsContext(segment))
            {
                continue;
            }

            var replacement = replaced ? string.Empty : found.Kind.Replacement();
            replaced = true;
            segment.Set(string.Concat(segment.Value.AsSpan(0, start), replacement, segment.Value.AsSpan(end)));
        }
    }

    private static int EventAt(List<HeldValue> segments, int position)
    {
        var offset = 0;
        foreach (var segment in segments)
        {
            offset += segment.Value.Length;
            if (position < offset && !IsContext(segment))
            {
                // A position in the context stands for the first held event.
                return segment.Event;
            }
        }

        return segments[^1].Event;
    }

    /// <summary>
    /// Where the text could still be continued into a match: the start of its trailing run of word
    /// characters (letters, digits, <c>._%+-@=/~</c>), with the runs of card separators that follow a digit
    /// (<see cref="SensitivePatterns.CardSeparatorRunStart"/>) and a <c>Bearer</c> scheme word before it included.
    /// </summary>
    internal static int TrailingRunStart(string text)
    {
        var i = text.Length;
        while (i > 0)
        {
            var run = SensitivePatterns.CardSeparatorRunStart(text, i);
            if (run < i && run > 0 && char.IsAsciiDigit(text[run - 1]))
            {
                i = run;
            }
            else if (IsWordChar(text[i - 1]))
            {
                i--;
            }
            else
            {
                break;
            }
        }

        var before = text.AsSpan(0, i).TrimEnd(" \t");
        return before.Length >= 6 && before[^6..].Equals("bearer", StringComparison.OrdinalIgnoreCase) ? before.Length - 6 : i;
    }

    /// <summary>Whether a value at <paramref name="path"/> streams: text data, or a member of <see cref="StreamedTextMembers"/> (or an array in one).</summary>
    internal static bool IsStreamed(string path)
    {
        if (path == TextPath)
        {
            return true;
        }

        var member = path.AsSpan(path.LastIndexOf('.') + 1);
        var bracket = member.IndexOf('[');
        return StreamedMemberLookup.Contains(bracket < 0 ? member : member[..bracket]);
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '@' or '=' or '/' or '~';

    private sealed record Found(List<HeldValue> Segments, int Start, int End, RedactionKind Kind);
}
