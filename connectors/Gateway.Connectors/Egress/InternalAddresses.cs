using System.Net;
using System.Net.Sockets;

namespace Gateway.Connectors.Egress;

/// <summary>
/// The egress rule for a URL the gateway is given rather than configured with (an A2A push webhook, an OAuth client's
/// metadata document): an address that is not globally reachable (<see cref="IsInternal"/>) is never called, so that such
/// a URL cannot reach the gateway's own network (server-side request forgery). <see cref="ConnectAsync"/> applies it to
/// a fetch the gateway makes itself, on the addresses it connects to.
/// </summary>
public static class InternalAddresses
{
    /// <summary>What a refused address is called in a refusal's detail.</summary>
    public const string Words = "internal or reserved (loopback, private, link-local or metadata, multicast, broadcast, documentation, or a translation form embedding one)";

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

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to globally reachable addresses: the host is
    /// resolved here, and when any address it resolves to is internal (<see cref="IsInternal"/>) nothing is connected to
    /// and <see cref="InternalAddressException"/> is thrown (the request fails with it as its inner exception); else the
    /// addresses checked are the ones connected to, so a name that resolves elsewhere a moment later is not followed.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.FirstOrDefault(IsInternal) is { } refused)
        {
            throw new InternalAddressException($"The host '{host}' is or resolves to {refused}, an {Words} address; nothing was sent to it (server-side request forgery).");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
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
