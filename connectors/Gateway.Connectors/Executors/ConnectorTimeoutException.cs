namespace Gateway.Connectors.Executors;

/// <summary>The upstream did not answer within the connector's timeout (the host answers 504).</summary>
public sealed class ConnectorTimeoutException : TimeoutException
{
    public ConnectorTimeoutException()
    {
    }

    public ConnectorTimeoutException(string message)
        : base(message)
    {
    }

    public ConnectorTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConnectorTimeoutException(string connector, TimeSpan timeout, Exception? innerException = null)
        : base($"connector '{connector}' did not answer within {timeout.TotalSeconds:0.###} s.", innerException)
    {
        Connector = connector;
        Timeout = timeout;
    }

    /// <summary>The connector's name.</summary>
    public string? Connector { get; }

    /// <summary>The timeout that elapsed.</summary>
    public TimeSpan Timeout { get; }
}
