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
/// and removed from the others. Bounded: past <c>maxHeldChars</c> or 256 events everything held is released, redacted as it stands.
/// </summary>
internal sealed class SplitValueHoldback(RedactionCounts counts, int maxHeldChars)
{
    /// <summary>The path of text data (not JSON), which streams across events like a streamed member.</summary>
    public const string TextPath = "$text";

    private const int MaxHeldEvents = 256;

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
        final |= _held.Count > MaxHeldEvents || heldChars > maxHeldChars;
        var keepFrom = _held.Count;
        _found.Clear();
        foreach (var segments in _streams)
        {
            var text = segments.Count == 1 ? segments[0].Value : string.Concat(segments.Select(s => s.Value));
            var complete = final || !segments[0].Streamed || IsFinished(segments);
            if (counts.Credential is { } credential && credential.Occurs(text))
            {
                // The injected credential first, replaced where it stands (in its first event, removed from the others).
                RedactCredential(segments, text, credential);
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

                var kind = SensitivePatterns.KindOf(match);
                if (SensitivePatterns.IsReal(match, kind))
                {
                    _found.Add(new Found(segments, index, escaped.Original(match.Index + match.Length), kind));
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

    // Every occurrence of the credential in the stream's text, replaced from the last one back (earlier offsets hold).
    private void RedactCredential(List<HeldValue> segments, string text, CredentialSpellings credential)
    {
        var occurrences = new List<Found>();
        for (var at = credential.Find(text, 0, out var length); at >= 0; at = credential.Find(text, at + length, out length))
        {
            occurrences.Add(new Found(segments, at, at + length, RedactionKind.Credential));
        }

        for (var i = occurrences.Count - 1; i >= 0; i--)
        {
            Apply(occurrences[i]);
            counts.Add(RedactionKind.Credential);
        }
    }

    // Replaces the match in its first segment and deletes the rest of it from the following ones.
    private static void Apply(Found found)
    {
        var offset = 0;
        var replaced = false;
        foreach (var segment in found.Segments)
        {
            var start = Math.Max(found.Start - offset, 0);
            var end = Math.Min(found.End - offset, segment.Value.Length);
            offset += segment.Value.Length;
            if (start >= end)
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
            if (position < offset)
            {
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
