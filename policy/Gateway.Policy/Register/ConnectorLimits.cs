namespace Gateway.Policy;

/// <summary>Payload and time limits of a connector (enforced by the host).</summary>
public sealed record ConnectorLimits
{
    /// <summary>No limits declared.</summary>
    public static readonly ConnectorLimits None = new();

    public long? MaxRequestBytes { get; init; }

    public long? MaxResponseBytes { get; init; }

    public TimeSpan? Timeout { get; init; }
}
