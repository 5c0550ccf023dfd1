namespace Gateway.Connectors.Executors;

/// <summary>The upstream's response exceeded the connector's <c>MaxResponseBytes</c>; reading stopped there (host: 502).</summary>
public sealed class ResponseTooLargeException : Exception
{
    public ResponseTooLargeException()
    {
    }

    public ResponseTooLargeException(string message)
        : base(message)
    {
    }

    public ResponseTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ResponseTooLargeException(string connector, long limit)
        : base($"connector '{connector}' answered with more than {limit} bytes (its max_response_bytes); the response was cut off.")
    {
        Connector = connector;
        Limit = limit;
    }

    /// <summary>The connector's name.</summary>
    public string? Connector { get; }

    /// <summary>The limit exceeded.</summary>
    public long Limit { get; }
}
