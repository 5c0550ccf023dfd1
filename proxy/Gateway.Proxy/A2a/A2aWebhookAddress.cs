using System.Net;
using System.Net.Sockets;
using Gateway.Oversight;

namespace Gateway.Proxy.A2a;

/// <summary>
/// The egress rule for a push-notification webhook an agent asks a remote agent to call: an absolute https (or http)
/// URL written plainly (printable ASCII, no backslash, no user information, no percent-escape in its host, so that no
/// parser reads another host in it than the gateway's does) whose host is not an address that is not globally reachable
/// (<see cref="IsInternal"/>: loopback, private, CGNAT, link-local with the metadata address 169.254.169.254, multicast,
/// broadcast, reserved, documentation, benchmarking, and IPv6's translation forms embedding one of those), nor
/// <c>localhost</c> or a metadata host name (<see cref="RefusalOf"/>, the URL as written); and whose host name resolves,
/// within <see cref="ResolveTimeout"/>, only to addresses that are none of these (<see cref="ResolvedRefusalOfAsync"/>).
/// The remote agent resolves the name again when it calls the webhook, out of the gateway's sight: a name that points
/// elsewhere by then (DNS rebinding) is not caught (docs/a2a.md).
/// </summary>
internal static class A2aWebhookAddress
{
    private static readonly string[] RefusedHosts = ["localhost", "metadata.google.internal", "metadata", "instance-data"];

    /// <summary>What a refused address is called in a refusal's detail.</summary>
    private const string InternalWords = "internal or reserved (loopback, private, link-local or metadata, multicast, broadcast, documentation, or a translation form embedding one)";

    /// <summary>
    /// Why <paramref name="url"/> is refused, or null when it may be used; with <paramref name="allowInternal"/> (the
    /// connector's <c>allow_internal_push</c>) only a malformed URL is refused.
    /// </summary>
    public static string? RefusalOf(string url, bool allowInternal = false)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!IsPlain(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            return "A push-notification URL must be an absolute http(s) URL in printable ASCII (a host name in its ASCII form), without user information, backslashes or escapes in its host.";
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
            ? $"The push-notification address {address} is {InternalWords}; a webhook to it is refused (server-side request forgery)."
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

        return addresses.FirstOrDefault(IsInternal) is { } address
            ? (ProblemCodes.A2aPushUrlRefused, $"The push-notification host '{host}' resolves to {address}, an {InternalWords} address; a webhook to it is refused (server-side request forgery).")
            : null;
    }

    private static (string Code, string Detail) Unresolved(string host, string why) =>
        (ProblemCodes.A2aPushUrlUnresolved, $"The push-notification host '{host}' {why}; a webhook whose address cannot be checked is refused.");

    /// <summary>
    /// True unless <paramref name="address"/> is globally reachable (an IPv4-mapped IPv6 address read as its IPv4): IPv4's
    /// special-purpose blocks (IANA's registry: this network, private, CGNAT, loopback, link-local with the metadata
    /// address, 192.0.0.0/24, the documentation and benchmarking networks, the 6to4 relay), multicast, 240.0.0.0/4 and
    /// broadcast; IPv6 outside global unicast 2000::/3 (unspecified, loopback, IPv4-compatible, unique-local, link-local,
    /// site-local, multicast, discard, local-use NAT64 64:ff9b:1::/48) and within it 2001::/23 (Teredo, benchmarking,
    /// ORCHID), 2001:db8::/32 and 3fff::/20 (documentation); NAT64 64:ff9b::/96 and 6to4 2002::/16 judged by the IPv4
    /// address they embed.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return address.AddressFamily == AddressFamily.InterNetwork ? IsInternalV4(bytes[..written]) : IsInternalV6(bytes[..written]);
    }

    private static bool IsInternalV4(ReadOnlySpan<byte> b) =>
        b[0] is 0 or 10 or 127 or >= 224
        || (b[0] == 100 && b[1] is >= 64 and <= 127)
        || (b[0] == 169 && b[1] == 254)
        || (b[0] == 172 && b[1] is >= 16 and <= 31)
        || (b[0] == 192 && ((b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99)))
        || (b[0] == 198 && (b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100)))
        || (b[0] == 203 && b[1] == 0 && b[2] == 113);

    private static bool IsInternalV6(ReadOnlySpan<byte> b)
    {
        if (b[..12].SequenceEqual(Nat64WellKnown))
        {
            return IsInternalV4(b[12..]);
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsInternalV4(b[2..6]);
        }

        return (b[0] & 0xE0) != 0x20
            || (b[0] == 0x20 && b[1] == 0x01 && (b[2] < 0x02 || (b[2] == 0x0d && b[3] == 0xb8)))
            || (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10);
    }

    /// <summary>The NAT64 well-known prefix 64:ff9b::/96 (RFC 6052).</summary>
    private static ReadOnlySpan<byte> Nat64WellKnown => [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
}
