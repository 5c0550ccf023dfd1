namespace Gateway.Policy;

/// <summary>
/// The active health check of a connector's destinations (<c>health_check:</c> in the catalog entry):
/// a GET of <see cref="Path"/> on every destination each <see cref="Interval"/>; a destination that
/// fails it is taken out of rotation until it answers again.
/// </summary>
public sealed record ConnectorHealthCheck
{
    /// <summary>The probe path, relative to each destination (e.g. <c>/healthz</c>).</summary>
    public required string Path { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
}
