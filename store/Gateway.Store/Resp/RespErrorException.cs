namespace Gateway.Store.Resp;

/// <summary>
/// The Redis server answered a command with an error reply (<c>-ERR ...</c>, <c>-WRONGTYPE ...</c>).
/// The connection is healthy; the command itself was refused.
/// </summary>
public sealed class RespErrorException : Exception
{
    public RespErrorException()
    {
    }

    public RespErrorException(string message)
        : base(message)
    {
    }

    public RespErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The first word of the error reply, such as <c>ERR</c>, <c>WRONGTYPE</c> or <c>NOSCRIPT</c>.</summary>
    public string ErrorCode
    {
        get
        {
            var space = Message.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? Message : Message[..space];
        }
    }
}
