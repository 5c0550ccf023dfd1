using System.Net;

namespace Gateway.Proxy.A2a;

/// <summary>
/// Resolves a push-notification webhook's host name to its addresses, so the egress rule decides on where the name
/// points and not only on how it is spelled (<see cref="A2aWebhookAddress.ResolvedRefusalOfAsync"/>). The gateway uses
/// the system's resolver (<see cref="SystemWebhookHostResolver"/>); a test gives its own names.
/// </summary>
internal interface IWebhookHostResolver
{
    /// <summary>The addresses <paramref name="host"/> resolves to; throws when it does not resolve.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
