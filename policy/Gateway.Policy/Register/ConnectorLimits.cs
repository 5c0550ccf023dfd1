namespace Gateway.Policy;

/// <summary>
/// A connector's limits as the bundle declares them (<c>limits:</c>); unset values fall back to the
/// defaults below, which are the limits the gateway enforces when a bundle says nothing.
/// </summary>
public sealed record ConnectorLimits
{
    public static readonly ConnectorLimits None = new();

    /// <summary>The request body limit when none is declared (1 MiB).</summary>
    public const long DefaultMaxRequestBytes = 1024 * 1024;

    /// <summary>The response body limit when none is declared (4 MiB).</summary>
    public const long DefaultMaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>The upstream timeout when none is declared.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public long? MaxRequestBytes { get; init; }

    public long? MaxResponseBytes { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>The request body limit in force.</summary>
    public long RequestBytes => MaxRequestBytes ?? DefaultMaxRequestBytes;

    /// <summary>The response body limit in force.</summary>
    public long ResponseBytes => MaxResponseBytes ?? DefaultMaxResponseBytes;

    /// <summary>The upstream timeout in force.</summary>
    public TimeSpan UpstreamTimeout => Timeout ?? DefaultTimeout;

    /// <summary>
    /// These limits held within <paramref name="outer"/>'s (an <c>a2a_skill</c>'s within its <c>a2a</c> agent's, an
    /// <c>mcp_tool</c>'s within its <c>mcp</c> server's): each the tighter of the two where both are declared, the one
    /// declared where only one is.
    /// </summary>
    public ConnectorLimits Within(ConnectorLimits outer)
    {
        ArgumentNullException.ThrowIfNull(outer);
        return new ConnectorLimits
        {
            MaxRequestBytes = Tighter(MaxRequestBytes, outer.MaxRequestBytes),
            MaxResponseBytes = Tighter(MaxResponseBytes, outer.MaxResponseBytes),
            Timeout = Timeout is { } own && outer.Timeout is { } theirs ? (own < theirs ? own : theirs) : Timeout ?? outer.Timeout,
        };
    }

    private static long? Tighter(long? own, long? outer) => own is { } a && outer is { } b ? Math.Min(a, b) : own ?? outer;
}
