namespace Gateway.Store.Resp;

/// <summary>The byte stream from the server is not valid RESP2, or a reply had an unexpected shape.</summary>
internal sealed class RespProtocolException : Exception
{
    public RespProtocolException()
    {
    }

    public RespProtocolException(string message)
        : base(message)
    {
    }

    public RespProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
