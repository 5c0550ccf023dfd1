namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>Gateway:ForwardedHeaders</c>: the proxies (a TLS-terminating ingress, a load balancer) whose
/// <c>X-Forwarded-Proto</c> and <c>X-Forwarded-For</c> the gateway believes. Nothing is trusted by default: from any
/// other peer the headers are ignored, and <c>X-Forwarded-Host</c> is never read (the public origin is configured).
/// </summary>
public sealed record TrustedProxyOptions
{
    public const string SectionName = "Gateway:ForwardedHeaders";

    /// <summary>CIDR networks (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) whose peers are trusted proxies.</summary>
    public IList<string> KnownNetworks { get; init; } = [];

    /// <summary>Single addresses (<c>10.1.2.3</c>) of trusted proxies.</summary>
    public IList<string> KnownProxies { get; init; } = [];

    /// <summary>How many proxies deep the headers are read (each must be trusted); 1: one ingress in front.</summary>
    public int ForwardLimit { get; init; } = 1;

    /// <summary>True when any proxy is trusted at all.</summary>
    public bool Any => KnownNetworks.Count > 0 || KnownProxies.Count > 0;
}
