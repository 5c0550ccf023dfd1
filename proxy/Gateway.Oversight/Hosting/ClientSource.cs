using System.Net;
using System.Net.Sockets;

namespace Gateway.Oversight.Hosting;

/// <summary>The source a throttle counts a client's requests against.</summary>
public static class ClientSource
{
    /// <summary>
    /// An IPv6 client's /64 (one host is usually given a whole /64 and could send each request from another of its
    /// addresses), an IPv4-mapped one's IPv4 address, any other client its own address; <c>unknown</c> without one.
    /// </summary>
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
