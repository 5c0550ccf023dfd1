using System.Net;

namespace Gateway.Proxy.A2a;

/// <summary>The system's resolver (<see cref="Dns"/>: the host's DNS configuration and hosts file) for a push webhook's host.</summary>
internal sealed class SystemWebhookHostResolver : IWebhookHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}
