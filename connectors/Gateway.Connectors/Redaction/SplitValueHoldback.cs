using System.Globalization;
using System.Text.Json.Nodes;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Holds server-sent events back while a value streamed across them might still turn out sensitive.
/// The values of a streamed-text member (<see cref="StreamedTextMembers"/>: <c>choices[].delta.content</c>,
/// Anthropic's <c>delta.text</c>, the Responses API's <c>delta</c>…) at one JSON path, or the text data,
/// of consecutive events are read as one text; other string values are complete in their event and
/// redacted there without holding anything back;
/// an event is released once everything it holds lies before the point where that text could still
/// grow into a match (the start of an unfinished match, or of a trailing word, card-digit run or
/// <c>Bearer</c> credential). A match spanning events is replaced in the first event and removed from
/// the others. Bounded: past <c>maxHeldChars</c> or 256 events everything held is released, redacted as it stands.
/// </summary>
internal sealed class SplitValueHoldback(RedactionCounts counts, int maxHeldChars)
{
    private const int MaxHeldEvents = 256;
    private const int LookaheadSlack = 2;
    private const string TextPath = "$text";

    /// <summary>Member names whose values providers stream piece by piece across events.</summary>
    public static IReadOnlySet<string> StreamedTextMembers { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "content", "text", "delta", "partial_json", "arguments", "refusal", "reasoning", "reasoning_content", "thinking", "output_text",
    };

    private readonly List<HeldEvent> _held = [];

    // The string values of each held event, found once when it arrives (not again at every release).
    private readonly List<Segment[]> _segments = [];

    /// <summary>Adds an event; returns the events that are now safe to write, in order.</summary>
    public IReadOnlyList<HeldEvent> Add(HeldEvent held)
    {
        _held.Add(held);
        _segments.Add([.. SegmentsOf(held)]);
        return Release(final: false);
    }

    /// <summary>The stream ended: every held event, redacted.</summary>
    public IReadOnlyList<HeldEvent> Flush() => Release(final: true);

    private IReadOnlyList<HeldEvent> Release(bool final)
    {
        var streamed = new Dictionary<string, List<Segment>>(StringComparer.Ordinal);
        var streams = new List<List<Segment>>();
        var heldChars = 0;
        for (var index = 0; index < _held.Count; index++)
        {
            foreach (var segment in _segments[index])
            {
                segment.Event = index;
                heldChars += segment.Value.Length;
                if (!segment.Streamed)
                {
                    // A value that is not streamed is complete in its event: a stream of its own.
                    streams.Add([segment]);
                }
                else if (streamed.TryGetValue(segment.Path, out var list))
                {
                    list.Add(segment);
                }
                else
                {
                    streamed[segment.Path] = list = [segment];
                    streams.Add(list);
                }
            }
        }

        final |= _held.Count > MaxHeldEvents || heldChars > maxHeldChars;
        var keepFrom = _held.Count;
        var found = new List<Found>();
        foreach (var segments in streams)
        {
            var text = segments.Count == 1 ? segments[0].Value : string.Concat(segments.Select(s => s.Value));
            var complete = final || !segments[0].Streamed;
            var cut = complete ? text.Length : TrailingRunStart(text);
            for (var match = SensitivePatterns.For(text).Match(text); match.Success; match = match.NextMatch())
            {
                var end = match.Index + match.Length;
                if (!complete && (match.Index >= cut || end + LookaheadSlack > text.Length))
                {
                    cut = Math.Min(cut, match.Index);
                    break;
                }

                var kind = SensitivePatterns.KindOf(match);
                if (SensitivePatterns.IsReal(match, kind))
                {
                    found.Add(new Found(segments, match.Index, end, kind));
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
            foreach (var f in found)
            {
                var first = EventAt(f.Segments, f.Start);
                if (EventAt(f.Segments, f.End - 1) >= keepFrom && first < keepFrom)
                {
                    keepFrom = first;
                    changed = true;
                }
            }
        }

        foreach (var f in found.Where(f => EventAt(f.Segments, f.End - 1) < keepFrom).OrderByDescending(f => f.Start))
        {
            Apply(f);
            counts.Add(f.Kind);
        }

        var released = _held.GetRange(0, keepFrom);
        _held.RemoveRange(0, keepFrom);
        _segments.RemoveRange(0, keepFrom);
        return released;
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

    private static int EventAt(List<Segment> segments, int position)
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
    /// characters (letters, digits, <c>._%+-@=/~</c>), with separators between card digits and a
    /// <c>Bearer</c> scheme word before it included.
    /// </summary>
    internal static int TrailingRunStart(string text)
    {
        var i = text.Length;
        while (i > 0 && (IsWordChar(text[i - 1]) || (text[i - 1] is ' ' or '-' or '.' && i > 1 && char.IsAsciiDigit(text[i - 2]))))
        {
            i--;
        }

        var before = text.AsSpan(0, i).TrimEnd(" \t");
        return before.Length >= 6 && before[^6..].Equals("bearer", StringComparison.OrdinalIgnoreCase) ? before.Length - 6 : i;
    }

    private static bool IsStreamed(string path)
    {
        if (path == TextPath)
        {
            return true;
        }

        var member = path[(path.LastIndexOf('.') + 1)..];
        var bracket = member.IndexOf('[', StringComparison.Ordinal);
        return StreamedTextMembers.Contains(bracket < 0 ? member : member[..bracket]);
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '@' or '=' or '/' or '~';

    private static IEnumerable<Segment> SegmentsOf(HeldEvent held)
    {
        if (held.Json is { } json)
        {
            return StringsOf(json, "$");
        }

        return held.Text is null ? [] : [new Segment(TextPath, held.Text, value => held.Text = value)];
    }

    private static IEnumerable<Segment> StringsOf(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToArray())
                {
                    if (child is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        yield return new Segment(path + "." + name, text, updated => obj[name] = updated);
                    }
                    else if (child is not null)
                    {
                        foreach (var inner in StringsOf(child, path + "." + name))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var position = i;
                    var childPath = path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        yield return new Segment(childPath, text, updated => array[position] = updated);
                    }
                    else if (array[i] is { } child)
                    {
                        foreach (var inner in StringsOf(child, childPath))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            default:
                break;
        }
    }

    private sealed class Segment(string path, string value, Action<string> set)
    {
        public string Path { get; } = path;

        /// <summary>Whether the value streams across events (<see cref="StreamedTextMembers"/>).</summary>
        public bool Streamed { get; } = IsStreamed(path);

        /// <summary>The index of its event among those held, set at each release.</summary>
        public int Event { get; set; }

        public string Value { get; private set; } = value;

        public void Set(string updated)
        {
            Value = updated;
            set(updated);
        }
    }

    private sealed record Found(List<Segment> Segments, int Start, int End, RedactionKind Kind);
}
