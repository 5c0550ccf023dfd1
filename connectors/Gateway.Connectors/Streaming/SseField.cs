namespace Gateway.Connectors.Streaming;

/// <summary>
/// One line of a server-sent event read as a field, as the SSE specification reads it: the name is what
/// comes before the first <c>:</c> (the whole line when there is none), the value what follows it without
/// one leading space; a line that starts with <c>:</c> is a comment.
/// </summary>
public static class SseField
{
    /// <summary>Whether the line is the field <paramref name="name"/> (<c>name</c> alone or <c>name:</c>…).</summary>
    public static bool Is(ReadOnlySpan<byte> line, ReadOnlySpan<byte> name) =>
        line.StartsWith(name) && (line.Length == name.Length || line[name.Length] == (byte)':');

    /// <summary>Whether the line is a <c>data</c> field.</summary>
    public static bool IsData(ReadOnlySpan<byte> line) => Is(line, "data"u8);

    /// <summary>Whether the line is a comment (it starts with <c>:</c>).</summary>
    public static bool IsComment(ReadOnlySpan<byte> line) => !line.IsEmpty && line[0] == (byte)':';

    /// <summary>The field's value: what follows the first <c>:</c> without its one optional leading space (empty when there is no <c>:</c>).</summary>
    public static ReadOnlySpan<byte> Value(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            return [];
        }

        var value = line[(colon + 1)..];
        return !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;
    }
}
