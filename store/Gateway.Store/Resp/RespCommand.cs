namespace Gateway.Store.Resp;

/// <summary>A complete RESP2 command (an array of bulk strings), serialised once and ready to send.</summary>
internal sealed class RespCommand
{
    private RespCommand(byte[] payload)
    {
        Payload = payload;
    }

    public ReadOnlyMemory<byte> Payload { get; }

    public static RespCommand Create(RespArguments arguments) => Create(arguments, null);

    /// <summary>Concatenates two argument lists into one command (a script's head and its keys and arguments).</summary>
    public static RespCommand Create(RespArguments head, RespArguments? tail)
    {
        ArgumentNullException.ThrowIfNull(head);
        var count = head.Count + (tail?.Count ?? 0);
        if (count == 0)
        {
            throw new ArgumentException("A command needs at least its name.", nameof(head));
        }

        var header = new System.Buffers.ArrayBufferWriter<byte>(16);
        RespFraming.WriteHeader(header, (byte)'*', count);
        var tailBytes = tail is null ? [] : tail.Framed;
        var payload = new byte[header.WrittenCount + head.Framed.Length + tailBytes.Length];
        header.WrittenSpan.CopyTo(payload);
        head.Framed.CopyTo(payload.AsSpan(header.WrittenCount));
        tailBytes.CopyTo(payload.AsSpan(header.WrittenCount + head.Framed.Length));
        return new RespCommand(payload);
    }
}
