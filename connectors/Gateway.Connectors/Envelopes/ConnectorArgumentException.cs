namespace Gateway.Connectors.Envelopes;

/// <summary>The call's arguments do not fit the connector (missing path argument, wrong shape); nothing was sent (host: 400).</summary>
public sealed class ConnectorArgumentException : Exception
{
    public ConnectorArgumentException()
    {
    }

    public ConnectorArgumentException(string message)
        : base(message)
    {
    }

    public ConnectorArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
