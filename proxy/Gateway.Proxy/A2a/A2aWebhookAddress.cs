using System.Net;
using System.Net.Sockets;

namespace Gateway.Proxy.A2a;

/// <summary>
/// The egress rule for a push-notification webhook an agent asks a remote agent to call: an absolute https (or http)
/// URL whose host is not a loopback, private (RFC 1918, unique-local), carrier-grade NAT, link-local (the cloud metadata
/// address 169.254.169.254 among them) or unspecified address, nor <c>localhost</c> or a metadata host name. The check
/// reads the URL only (the remote agent resolves the name, not the gateway): a name that resolves to such an address is
/// not caught here (docs/a2a.md).
/// </summary>
internal static class A2aWebhookAddress
{
    private static readonly string[] RefusedHosts = ["localhost", "metadata.google.internal", "metadata", "instance-data"];

    /// <summary>
    /// Why <paramref name="url"/> is refused, or null when it may be used; with <paramref name="allowInternal"/> (the
    /// connector's <c>allow_internal_push</c>) only a malformed URL is refused.
    /// </summary>
    public static string? RefusalOf(string url, bool allowInternal = false)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.UserInfo.Length > 0)
        {
            return "A push-notification URL must be an absolute http(s) URL without user information.";
        }

        if (allowInternal)
        {
            return null;
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (RefusedHosts.Contains(host) || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return $"The push-notification host '{host}' is local; a webhook to it is refused (server-side request forgery).";
        }

        return IPAddress.TryParse(uri.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address) && IsInternal(address)
            ? $"The push-notification address {address} is loopback, private, link-local or metadata; a webhook to it is refused (server-side request forgery)."
            : null;
    }

    /// <summary>Loopback, private, CGNAT, link-local, unique-local or unspecified (an IPv4-mapped IPv6 address read as its IPv4).</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 10 or 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
    }
}
