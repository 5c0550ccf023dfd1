using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Cuts redacted arguments to a byte budget by value, never by position, so that what follows a long value is never
/// lost: first each string value longer than it can keep is shortened to the most characters that fit, ending in
/// <c>…[shortened: N characters in all]</c>, every member name at every depth shown. Only when even the names do not fit
/// (with every long value shortened to its marker) are members hidden: each object and array shows the most members that
/// fit, and ends in a marker that says how many it hides (an object's under the name <c>…</c>, an array's as its last item).
/// </summary>
internal static class ApprovalArgumentsCut
{
    /// <summary>A string is shortened only when it is longer than what it keeps by more than its marker can be.</summary>
    private const int MarkerRoom = 48;

    // As the redactor writes: only what JSON needs escaped is escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonDocumentOptions ReaderOptions = new() { MaxDepth = 128 };

    /// <summary>The arguments <paramref name="redacted"/> (JSON over <paramref name="budget"/> bytes) cut to fit the budget.</summary>
    public static ApprovalArguments Within(byte[] redacted, int budget)
    {
        using var document = JsonDocument.Parse(redacted, ReaderOptions);
        var root = document.RootElement;
        var (longest, widest) = Extent(root);
        if (TryWrite(root, 0, widest, budget) is not null)
        {
            // Every member shown: the most characters of each long string value that still fits.
            var keep = Largest(longest, k => TryWrite(root, k, widest, budget) is not null);
            return new ApprovalArguments(TryWrite(root, keep, widest, budget)!.Value.Text, Truncated: false);
        }

        if (TryWrite(root, 0, 0, budget) is null)
        {
            // A scalar too large to show even shortened (a number of thousands of digits): nothing of it is shown.
            var note = JsonSerializer.Serialize("[the arguments are hidden: " + redacted.Length.ToString(CultureInfo.InvariantCulture) + " bytes, too large to show]");
            return new ApprovalArguments(note, Truncated: true) { HiddenMembers = 1 };
        }

        // The names do not fit: the most members of each container, then the most characters of each value with them.
        var show = Largest(widest, s => TryWrite(root, 0, s, budget) is not null);
        var most = Largest(longest, k => TryWrite(root, k, show, budget) is not null);
        var (text, hidden) = TryWrite(root, most, show, budget)!.Value;
        return new ApprovalArguments(text, Truncated: hidden > 0) { HiddenMembers = hidden };
    }

    /// <summary>The largest value in [0, <paramref name="upper"/>] that <paramref name="fits"/>, given that 0 fits and fitting is monotone.</summary>
    private static int Largest(int upper, Func<int, bool> fits)
    {
        var (low, high) = (0, upper);
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            if (fits(middle))
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>The longest string value (characters) and the most members of one object or array.</summary>
    private static (int Longest, int Widest) Extent(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return (element.GetString()!.Length, 0);
            case JsonValueKind.Object:
            {
                var (longest, widest, count) = (0, 0, 0);
                foreach (var member in element.EnumerateObject())
                {
                    count++;
                    var (l, w) = Extent(member.Value);
                    (longest, widest) = (Math.Max(longest, l), Math.Max(widest, w));
                }

                return (longest, Math.Max(widest, count));
            }

            case JsonValueKind.Array:
            {
                var (longest, widest, count) = (0, 0, 0);
                foreach (var item in element.EnumerateArray())
                {
                    count++;
                    var (l, w) = Extent(item);
                    (longest, widest) = (Math.Max(longest, l), Math.Max(widest, w));
                }

                return (longest, Math.Max(widest, count));
            }

            default:
                return (0, 0);
        }
    }

    /// <summary>The text with each long string kept to <paramref name="keep"/> characters and each container to <paramref name="show"/> members; null when over <paramref name="budget"/>.</summary>
    private static (string Text, int Hidden)? TryWrite(JsonElement root, int keep, int show, int budget)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Min(budget + 1024, 64 * 1024));
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        var cut = new Cut(writer, keep, show, budget);
        if (!cut.Write(root))
        {
            return null;
        }

        writer.Flush();
        return buffer.WrittenCount <= budget ? (Encoding.UTF8.GetString(buffer.WrittenSpan), cut.Hidden) : null;
    }

    private sealed class Cut(Utf8JsonWriter writer, int keep, int show, int budget)
    {
        public int Hidden { get; private set; }

        /// <summary>Writes <paramref name="element"/>; false as soon as the text is over the budget.</summary>
        public bool Write(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    writer.WriteStartObject();
                    var (shown, members) = (0, 0);
                    foreach (var member in element.EnumerateObject())
                    {
                        members++;
                        if (shown < show)
                        {
                            shown++;
                            writer.WritePropertyName(member.Name);
                            if (!Write(member.Value))
                            {
                                return false;
                            }
                        }
                    }

                    if (members > shown)
                    {
                        Hidden += members - shown;
                        writer.WriteString(MarkerName(element), "[" + (members - shown).ToString(CultureInfo.InvariantCulture) + " more members hidden]");
                    }

                    writer.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    writer.WriteStartArray();
                    var (listed, items) = (0, 0);
                    foreach (var item in element.EnumerateArray())
                    {
                        items++;
                        if (listed < show)
                        {
                            listed++;
                            if (!Write(item))
                            {
                                return false;
                            }
                        }
                    }

                    if (items > listed)
                    {
                        Hidden += items - listed;
                        writer.WriteStringValue("[… " + (items - listed).ToString(CultureInfo.InvariantCulture) + " more items hidden]");
                    }

                    writer.WriteEndArray();
                    break;
                case JsonValueKind.String:
                    writer.WriteStringValue(Shortened(element.GetString()!, keep));
                    break;
                default:
                    writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                    break;
            }

            return writer.BytesCommitted + writer.BytesPending <= budget;
        }

        /// <summary><paramref name="value"/> as shown: whole, or its first <paramref name="keep"/> characters (never half a pair) and its length.</summary>
        private static string Shortened(string value, int keep)
        {
            if (value.Length <= keep + MarkerRoom)
            {
                return value;
            }

            var cut = keep > 0 && char.IsHighSurrogate(value[keep - 1]) ? keep - 1 : keep;
            return string.Concat(value.AsSpan(0, cut), "…[shortened: ", value.Length.ToString(CultureInfo.InvariantCulture), " characters in all]");
        }

        /// <summary>"…", or as many more "…" as it takes to name no member of <paramref name="element"/>.</summary>
        private static string MarkerName(JsonElement element)
        {
            var name = "…";
            while (element.TryGetProperty(name, out _))
            {
                name += "…";
            }

            return name;
        }
    }
}
