using System.Text;
using System.Text.Json;

namespace Gateway.Audit;

/// <summary>
/// A group's lines for <c>audit_records</c> as the columns the database stores beside each line (migration 0017):
/// the line's text and the top-level members <c>time</c>, <c>agent</c>, <c>tool</c>, <c>decision</c>,
/// <c>prev_hash</c> and <c>hash</c> read from the very bytes that are stored, with the meaning of PostgreSQL's
/// <c>line::jsonb -&gt;&gt; 'member'</c> (absent or JSON null: null; a string: its unescaped value; any other
/// value: its JSON text), so that the database parses no JSON per row. <c>time</c> stays text; the statement
/// casts it to <c>timestamptz</c> as before. Since migration 0018 also every request id the line names (its own
/// <c>request_id</c>, then its <c>request_ids</c>, <c>outcomes[].request_id</c> and <c>decisions[].request_id</c>, string
/// values only), as the database's <c>audit_request_ids(line)</c> reads them: all rows' ids in one array
/// (<see cref="RequestIds"/>), each row's from <see cref="RequestIdStarts"/> (1-based, as PostgreSQL's arrays) for
/// <see cref="RequestIdCounts"/> ids, so that a group's ids go in one parameter without a JSON text to parse. Since
/// migration 0019 also the line's <c>run_id</c> (<see cref="RunIds"/>).
/// </summary>
internal sealed class PostgresAuditColumns
{
    private PostgresAuditColumns(int count)
    {
        Lines = new string[count];
        Times = new string?[count];
        Agents = new string?[count];
        Tools = new string?[count];
        Decisions = new string?[count];
        PrevHashes = new string?[count];
        Hashes = new string?[count];
        RunIds = new string?[count];
        RequestIdStarts = new int[count];
        RequestIdCounts = new int[count];
    }

    public string[] Lines { get; }

    public string?[] Times { get; }

    public string?[] Agents { get; }

    public string?[] Tools { get; }

    public string?[] Decisions { get; }

    public string?[] PrevHashes { get; }

    public string?[] Hashes { get; }

    /// <summary>The run each line names (<c>run_id</c>), null for none.</summary>
    public string?[] RunIds { get; }

    /// <summary>Every row's request ids, row after row.</summary>
    public string[] RequestIds { get; private set; } = [];

    /// <summary>Where each row's request ids start in <see cref="RequestIds"/>, 1-based.</summary>
    public int[] RequestIdStarts { get; }

    /// <summary>How many request ids each row names (0: none, the column is empty).</summary>
    public int[] RequestIdCounts { get; }

    /// <summary>The columns of every one of <paramref name="lines"/> (UTF-8 JSON objects), in order; throws <see cref="JsonException"/> on a line that is not one.</summary>
    public static PostgresAuditColumns Read(IReadOnlyList<byte[]> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var columns = new PostgresAuditColumns(lines.Count);
        var requestIds = new List<string>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            columns.Lines[i] = Encoding.UTF8.GetString(lines[i]);
            var named = columns.ReadMembers(lines[i], i);
            columns.RequestIdStarts[i] = requestIds.Count + 1;
            columns.RequestIdCounts[i] = named.AppendTo(requestIds);
        }

        columns.RequestIds = [.. requestIds];
        return columns;
    }

    private NamedRequests ReadMembers(byte[] line, int row)
    {
        var named = default(NamedRequests);
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An audit line is not a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (named.TryRead(ref reader))
            {
                continue;
            }

            var column = reader.ValueTextEquals("time"u8) ? Times
                : reader.ValueTextEquals("agent"u8) ? Agents
                : reader.ValueTextEquals("tool"u8) ? Tools
                : reader.ValueTextEquals("decision"u8) ? Decisions
                : reader.ValueTextEquals("prev_hash"u8) ? PrevHashes
                : reader.ValueTextEquals("hash"u8) ? Hashes
                : reader.ValueTextEquals("run_id"u8) ? RunIds
                : null;
            reader.Read();
            if (column is null)
            {
                reader.Skip();
                continue;
            }

            // The last occurrence wins, as in jsonb.
            column[row] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                JsonTokenType.StartObject or JsonTokenType.StartArray => Composite(ref reader, line),
                _ => Encoding.UTF8.GetString(reader.ValueSpan),
            };
        }

        return named;
    }

    /// <summary>An object or array member as its JSON text (the reader moved past it).</summary>
    private static string Composite(ref Utf8JsonReader reader, byte[] line)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(line, start, (int)reader.BytesConsumed - start);
    }

    /// <summary>
    /// The request ids of one line by member (the last occurrence of a member wins, as in jsonb): its own
    /// <c>request_id</c>, its <c>request_ids</c> (strings), and the <c>request_id</c> of each object in its
    /// <c>outcomes</c> and <c>decisions</c>.
    /// </summary>
    private struct NamedRequests
    {
        private string? _own;
        private List<string>? _refusals;
        private List<string>? _outcomes;
        private List<string>? _decisions;

        /// <summary>Reads the member at the reader's property name if it names requests (the reader moved past it).</summary>
        public bool TryRead(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("request_id"u8))
            {
                reader.Read();
                _own = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("request_ids"u8))
            {
                reader.Read();
                _refusals = ReadArray(ref reader, ofObjects: false);
            }
            else if (reader.ValueTextEquals("outcomes"u8))
            {
                reader.Read();
                _outcomes = ReadArray(ref reader, ofObjects: true);
            }
            else if (reader.ValueTextEquals("decisions"u8))
            {
                reader.Read();
                _decisions = ReadArray(ref reader, ofObjects: true);
            }
            else
            {
                return false;
            }

            return true;
        }

        /// <summary>Appends the line's request ids in the column's order; returns how many.</summary>
        public readonly int AppendTo(List<string> requestIds)
        {
            var before = requestIds.Count;
            if (_own is not null)
            {
                requestIds.Add(_own);
            }

            requestIds.AddRange(_refusals ?? []);
            requestIds.AddRange(_outcomes ?? []);
            requestIds.AddRange(_decisions ?? []);
            return requestIds.Count - before;
        }

        // The request ids of an array member: its string items, or (ofObjects) the string request_id of each of its object
        // items; null for anything but an array. The reader moved past the value.
        private static List<string>? ReadArray(ref Utf8JsonReader reader, bool ofObjects)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                return null;
            }

            var requestIds = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var requestId = ofObjects ? ReadRequestIdOf(ref reader)
                    : reader.TokenType == JsonTokenType.String ? reader.GetString()
                    : null;
                reader.Skip();
                if (requestId is not null)
                {
                    requestIds.Add(requestId);
                }
            }

            return requestIds;
        }

        // The string request_id of an object (the reader at its end); null for anything else (the reader where it was).
        private static string? ReadRequestIdOf(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? requestId = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRequestId = reader.ValueTextEquals("request_id"u8);
                reader.Read();
                if (isRequestId)
                {
                    requestId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return requestId;
        }
    }
}
