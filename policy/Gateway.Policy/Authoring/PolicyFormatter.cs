using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Deterministic formatting of a tenant file: two-space indentation, block sequences indented under their key, flow
/// collections on one line as <c>{ a: b }</c> and <c>[a, b]</c>, scalars in their original quoting (folded scalars
/// as literal blocks), comments kept on their entries, at most one blank line between entries, one final newline.
/// Key order is the author's; the policy digest never changes, and formatting formatted text changes nothing.
/// </summary>
public static class PolicyFormatter
{
    /// <summary>The formatted text, or null with an error (not YAML, several documents, anchors or complex keys).</summary>
    public static string? Format(string yaml, out string? error)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        try
        {
            var reader = new EventReader(new Parser(new Scanner(new StringReader(yaml), skipComments: false)));
            var document = reader.ReadDocument();
            var output = new StringBuilder();
            foreach (var comment in document.Leading)
            {
                output.Append(comment).Append('\n');
            }

            if (document.Root is { } root)
            {
                Emit(output, root, 0);
            }

            foreach (var comment in reader.Pending)
            {
                output.Append(comment).Append('\n');
            }

            error = null;
            return output.ToString();
        }
        catch (YamlException ex)
        {
            error = $"line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}";
            return null;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    private static void Emit(StringBuilder output, FNode node, int indent)
    {
        if (node.Kind == FKind.Mapping && !node.Flow && node.Entries.Count > 0)
        {
            EmitEntries(output, node, indent, firstPrefix: null);
        }
        else if (node.Kind == FKind.Sequence && !node.Flow && node.Entries.Count > 0)
        {
            EmitEntries(output, node, indent, firstPrefix: null);
        }
        else
        {
            output.Append(new string(' ', indent)).Append(Inline(node, indent)).Append('\n');
        }
    }

    /// <summary>Emits a block collection's entries; <paramref name="firstPrefix"/> replaces the first line's indentation (a sequence item's "- ").</summary>
    private static void EmitEntries(StringBuilder output, FNode node, int indent, string? firstPrefix)
    {
        var pad = new string(' ', indent);
        for (var i = 0; i < node.Entries.Count; i++)
        {
            var entry = node.Entries[i];
            var prefix = i == 0 && firstPrefix is not null ? firstPrefix : pad;
            if (!(i == 0 && firstPrefix is not null))
            {
                if (entry.BlankBefore && output.Length > 0)
                {
                    output.Append('\n');
                }

                foreach (var comment in entry.Leading)
                {
                    output.Append(pad).Append(comment).Append('\n');
                }
            }

            var head = node.Kind == FKind.Mapping ? prefix + Inline(entry.Key!, indent) + ":" : prefix + "-";
            var value = entry.Value;
            var inline = entry.Inline is null ? string.Empty : " " + entry.Inline;
            if (value.Kind == FKind.Scalar && value.Style is ScalarStyle.Literal or ScalarStyle.Folded)
            {
                output.Append(head).Append(' ').Append(BlockScalar(value.Value, indent + 2, out var body)).Append(inline).Append('\n').Append(body);
            }
            else if (value.Flow || value.Kind == FKind.Scalar || value.Entries.Count == 0)
            {
                output.Append(head).Append(' ').Append(Inline(value, indent)).Append(inline).Append('\n');
            }
            else if (node.Kind == FKind.Sequence && entry.Inline is null)
            {
                // "- key: value" with the item's remaining keys under it; the first key's comments go before the dash.
                var first = value.Entries[0];
                foreach (var comment in first.Leading)
                {
                    output.Append(pad).Append("  ").Append(comment).Append('\n');
                }

                EmitEntries(output, value, indent + 2, head + " ");
            }
            else
            {
                output.Append(head).Append(inline).Append('\n');
                EmitEntries(output, value, indent + 2, null);
            }
        }
    }

    private static string Inline(FNode node, int indent) => node.Kind switch
    {
        FKind.Scalar => Scalar(node, indent),
        FKind.Mapping when node.Entries.Count == 0 => "{}",
        FKind.Mapping => "{ " + string.Join(", ", node.Entries.Select(e => Inline(e.Key!, indent) + ": " + Inline(e.Value, indent))) + " }",
        _ when node.Entries.Count == 0 => "[]",
        _ => "[" + string.Join(", ", node.Entries.Select(e => Inline(e.Value, indent))) + "]",
    };

    private static string Scalar(FNode node, int indent)
    {
        var tag = node.Tag is { Length: > 0 } t ? (t.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + t[18..] : "!<" + t + ">") + " " : string.Empty;
        var value = node.Value;
        return tag + node.Style switch
        {
            ScalarStyle.SingleQuoted when !value.Contains('\n', StringComparison.Ordinal) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'",
            ScalarStyle.Plain or ScalarStyle.Any when !value.Contains('\n', StringComparison.Ordinal) => value,
            _ => DoubleQuoted(value),
        };
    }

    private static string DoubleQuoted(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when char.IsControl(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }

    private static string BlockScalar(string value, int indent, out string body)
    {
        var trimmed = value.TrimEnd('\n');
        var newlines = value.Length - trimmed.Length;
        var chomp = newlines == 0 ? "-" : newlines == 1 ? string.Empty : "+";
        var lines = (newlines > 1 ? value[..^1] : trimmed).Split('\n');
        if (lines.Length > 0 && lines[0].StartsWith(' '))
        {
            body = string.Empty;
            return DoubleQuoted(value);
        }

        var pad = new string(' ', indent);
        body = string.Concat(lines.Select(l => l.Length == 0 ? "\n" : pad + l + "\n"));
        return "|" + chomp;
    }

    private enum FKind
    {
        Scalar,
        Mapping,
        Sequence,
    }

    private sealed class FNode
    {
        public FKind Kind { get; init; }

        public bool Flow { get; init; }

        public ScalarStyle Style { get; init; }

        public string Value { get; init; } = string.Empty;

        public string? Tag { get; init; }

        public List<FEntry> Entries { get; } = [];
    }

    private sealed class FEntry
    {
        public FNode? Key { get; set; }

        public FNode Value { get; set; } = null!;

        public List<string> Leading { get; } = [];

        public string? Inline { get; set; }

        public bool BlankBefore { get; set; }
    }

    private sealed record FDocument(FNode? Root, List<string> Leading);

    /// <summary>Builds the tree from the parser's events, attaching comments to entries.</summary>
    private sealed class EventReader(IParser parser)
    {
        private long _lastLine;
        private long? _pendingStart;
        private FEntry? _lastEntry;
        private int _flowDepth;

        public List<string> Pending { get; } = [];

        public FDocument ReadDocument()
        {
            parser.Consume<StreamStart>();
            ReadComments();
            if (parser.Accept<StreamEnd>(out _))
            {
                return new FDocument(null, [.. Pending]);
            }

            parser.Consume<DocumentStart>();
            ReadComments();
            var leading = new List<string>(Pending);
            Pending.Clear();
            var root = ReadNode();
            ReadComments();
            parser.Consume<DocumentEnd>();
            ReadComments();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new FormatException("a tenant file holds exactly one YAML document");
            }

            return new FDocument(root, leading);
        }

        private void ReadComments()
        {
            while (parser.Accept<Comment>(out var comment))
            {
                parser.MoveNext();
                if (comment.IsInline && _lastEntry is not null && _lastEntry.Inline is null)
                {
                    _lastEntry.Inline = "# " + comment.Value.Trim();
                }
                else
                {
                    if (Pending.Count == 0)
                    {
                        _pendingStart = comment.Start.Line > _lastLine + 1 && _lastLine > 0 ? comment.Start.Line : -comment.Start.Line;
                    }

                    Pending.Add("# " + comment.Value.Trim());
                }

                _lastLine = comment.Start.Line;
            }
        }

        private FEntry StartEntry(long line)
        {
            var entry = new FEntry();
            if (Pending.Count > 0)
            {
                entry.Leading.AddRange(Pending);
                entry.BlankBefore = _pendingStart > 0;
                Pending.Clear();
            }
            else
            {
                entry.BlankBefore = _lastLine > 0 && line > _lastLine + 1;
            }

            if (_flowDepth == 0)
            {
                _lastEntry = entry;
            }

            return entry;
        }

        private FNode ReadNode()
        {
            ReadComments();
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                if (!scalar.Anchor.IsEmpty)
                {
                    throw new FormatException($"line {scalar.Start.Line}: anchors and aliases are not supported by fmt");
                }

                _lastLine = scalar.End.Line;
                return new FNode { Kind = FKind.Scalar, Style = scalar.Style, Value = scalar.Value, Tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value };
            }

            if (parser.TryConsume<MappingStart>(out var mapping))
            {
                return ReadCollection<MappingEnd>(new FNode { Kind = FKind.Mapping, Flow = mapping.Style == MappingStyle.Flow });
            }

            if (parser.TryConsume<SequenceStart>(out var sequence))
            {
                return ReadCollection<SequenceEnd>(new FNode { Kind = FKind.Sequence, Flow = sequence.Style == SequenceStyle.Flow });
            }

            throw new FormatException($"line {parser.Current?.Start.Line}: anchors and aliases are not supported by fmt");
        }

        /// <summary>Reads a mapping's key/value entries or a sequence's items up to <typeparamref name="TEnd"/>.</summary>
        private FNode ReadCollection<TEnd>(FNode node)
            where TEnd : ParsingEvent
        {
            _flowDepth += node.Flow ? 1 : 0;
            ReadComments();
            TEnd end;
            while (!parser.TryConsume(out end!))
            {
                var start = parser.Current!.Start.Line;
                var entry = StartEntry(start);
                if (node.Kind == FKind.Mapping)
                {
                    entry.Key = ReadNode();
                    if (entry.Key.Kind != FKind.Scalar)
                    {
                        throw new FormatException($"line {start}: complex keys are not supported by fmt");
                    }

                    ReadComments();
                }

                entry.Value = ReadNode();
                node.Entries.Add(entry);
                ReadComments();
            }

            _flowDepth -= node.Flow ? 1 : 0;
            if (node.Flow)
            {
                _lastLine = Math.Max(_lastLine, end.End.Line);
            }

            return node;
        }
    }
}
