namespace Gateway.Policy;

/// <summary>How the connector presents its credential upstream: <c>bearer</c>, <c>x-api-key</c> or <c>header:&lt;Name&gt;</c>.</summary>
public sealed record ConnectorAuth
{
    /// <summary>The default: <c>Authorization: Bearer &lt;credential&gt;</c>.</summary>
    public static readonly ConnectorAuth Bearer = new() { HeaderName = "Authorization", IsBearer = true };

    /// <summary>The header that carries the credential.</summary>
    public required string HeaderName { get; init; }

    /// <summary>True when the header value is <c>Bearer &lt;credential&gt;</c>; otherwise the raw credential.</summary>
    public bool IsBearer { get; init; }
}
