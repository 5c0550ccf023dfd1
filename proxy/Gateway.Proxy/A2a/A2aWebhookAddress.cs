using System.Net;
using System.Net.Sockets;
using Gateway.Connectors.Egress;
using Gateway.Oversight;
using Gateway.Policy;

namespace Gateway.Proxy.A2a;

/// <summary>
/// The egress rule for a push-notification webhook an agent asks a remote agent to call: an absolute https (or http)
/// URL written plainly (printable ASCII, no backslash, no user information, no percent-escape in its host, so that no
/// parser reads another host in it than the gateway's does) whose host is not an address that is not globally reachable
/// (<see cref="InternalAddresses.IsInternal"/>: loopback, private, CGNAT, link-local with the metadata address 169.254.169.254, multicast,
/// broadcast, reserved, documentation, benchmarking, and IPv6's translation forms embedding one of those), nor
/// <c>localhost</c> or a metadata host name (<see cref="RefusalOf"/>, the URL as written); and whose host name resolves,
/// within <see cref="ResolveTimeout"/>, only to addresses that are none of these (<see cref="ResolvedRefusalOfAsync"/>).
/// The remote agent resolves the name again when it calls the webhook, out of the gateway's sight: a name that points
/// elsewhere by then (DNS rebinding) is not caught (docs/a2a.md). A connector with <c>push_hosts</c> narrows it to
/// those hosts.
/// </summary>
internal static class A2aWebhookAddress
{
    private static readonly string[] RefusedHosts = ["localhost", "metadata.google.internal", "metadata", "instance-data"];

    /// <summary>
    /// Why <paramref name="url"/> is refused, or null when it may be used: a host not among <paramref name="pushHosts"/>
    /// (the connector's <c>push_hosts</c>, when it has them) is refused; with <paramref name="allowInternal"/> (its
    /// <c>allow_internal_push</c>) an internal address is not.
    /// </summary>
    public static string? RefusalOf(string url, bool allowInternal = false, IReadOnlyList<string>? pushHosts = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!IsPlain(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            return "A push-notification URL must be an absolute http(s) URL in printable ASCII (a host name in its ASCII form), without user information, backslashes or escapes in its host.";
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (pushHosts is not null && !A2aPushHosts.Allows(pushHosts, host))
        {
            return $"The push-notification host '{host}' is not one of the hosts this remote agent may push to (its connector's push_hosts); a webhook to it is refused.";
        }

        if (allowInternal)
        {
            return null;
        }

        if (RefusedHosts.Contains(host) || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return $"The push-notification host '{host}' is local; a webhook to it is refused (server-side request forgery).";
        }

        return IPAddress.TryParse(uri.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address) && InternalAddresses.IsInternal(address)
            ? $"The push-notification address {address} is {InternalAddresses.Words}; a webhook to it is refused (server-side request forgery)."
            : null;
    }

    /// <summary>
    /// True when <paramref name="url"/> is printable ASCII without a backslash, and its authority (after <c>//</c>, up to
    /// the path, query or fragment) holds no <c>@</c> and no <c>%</c>: the forms URL parsers disagree on are refused.
    /// </summary>
    private static bool IsPlain(string url)
    {
        foreach (var c in url)
        {
            if (c is <= ' ' or >= '\x7f' or '\\')
            {
                return false;
            }
        }

        var start = url.IndexOf("//", StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var authority = url.AsSpan(start + 2);
        var end = authority.IndexOfAny('/', '?', '#');
        return !(end < 0 ? authority : authority[..end]).ContainsAny('@', '%');
    }

    /// <summary>How long a webhook's host name may take to resolve; a name unresolved by then is refused.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// For a URL <see cref="RefusalOf"/> let through (and a connector that does not allow internal push): the refusal's
    /// code and why when its host name resolves to an internal address (any one of them:
    /// <see cref="ProblemCodes.A2aPushUrlRefused"/>) or does not resolve within <see cref="ResolveTimeout"/>, to nothing, or
    /// at all (<see cref="ProblemCodes.A2aPushUrlUnresolved"/>: fail closed); null when it may be used. An address written
    /// in the URL is not resolved.
    /// </summary>
    public static async Task<(string Code, string Detail)?> ResolvedRefusalOfAsync(string url, IWebhookHostResolver resolver, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.Basic))
        {
            return null;
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        IPAddress[] addresses;
        try
        {
            addresses = await resolver.ResolveAsync(host, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unresolved(host, $"did not resolve within {ResolveTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            return Unresolved(host, ex is SocketException socket ? $"did not resolve ({socket.SocketErrorCode})" : "is not a name that resolves");
        }

        if (addresses.Length == 0)
        {
            return Unresolved(host, "resolved to no address");
        }

        return addresses.FirstOrDefault(InternalAddresses.IsInternal) is { } address
            ? (ProblemCodes.A2aPushUrlRefused, $"The push-notification host '{host}' resolves to {address}, an {InternalAddresses.Words} address; a webhook to it is refused (server-side request forgery).")
            : null;
    }

    private static (string Code, string Detail) Unresolved(string host, string why) =>
        (ProblemCodes.A2aPushUrlUnresolved, $"The push-notification host '{host}' {why}; a webhook whose address cannot be checked is refused.");
}
