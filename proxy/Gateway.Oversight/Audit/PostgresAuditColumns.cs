using System.Text;
using System.Text.Json;

namespace Gateway.Oversight.Audit;

/// <summary>
/// A group's lines for <c>audit_records</c> as the columns the database stores beside each line (migration 0017):
/// the line's text and the top-level members <c>time</c>, <c>agent</c>, <c>tool</c>, <c>decision</c>,
/// <c>prev_hash</c> and <c>hash</c> read from the very bytes that are stored, with the meaning of PostgreSQL's
/// <c>line::jsonb -&gt;&gt; 'member'</c> (absent or JSON null: null; a string: its unescaped value; any other
/// value: its JSON text), so that the database parses no JSON per row. <c>time</c> stays text; the statement
/// casts it to <c>timestamptz</c> as before.
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
    }

    public string[] Lines { get; }

    public string?[] Times { get; }

    public string?[] Agents { get; }

    public string?[] Tools { get; }

    public string?[] Decisions { get; }

    public string?[] PrevHashes { get; }

    public string?[] Hashes { get; }

    /// <summary>The columns of every one of <paramref name="lines"/> (UTF-8 JSON objects), in order; throws <see cref="JsonException"/> on a line that is not one.</summary>
    public static PostgresAuditColumns Read(IReadOnlyList<byte[]> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var columns = new PostgresAuditColumns(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            columns.Lines[i] = Encoding.UTF8.GetString(lines[i]);
            columns.ReadMembers(lines[i], i);
        }

        return columns;
    }

    private void ReadMembers(byte[] line, int row)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An audit line is not a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var column = reader.ValueTextEquals("time"u8) ? Times
                : reader.ValueTextEquals("agent"u8) ? Agents
                : reader.ValueTextEquals("tool"u8) ? Tools
                : reader.ValueTextEquals("decision"u8) ? Decisions
                : reader.ValueTextEquals("prev_hash"u8) ? PrevHashes
                : reader.ValueTextEquals("hash"u8) ? Hashes
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
    }

    /// <summary>An object or array member as its JSON text (the reader moved past it).</summary>
    private static string Composite(ref Utf8JsonReader reader, byte[] line)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(line, start, (int)reader.BytesConsumed - start);
    }
}
