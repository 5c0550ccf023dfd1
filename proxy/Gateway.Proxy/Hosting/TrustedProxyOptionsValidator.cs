using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Hosting;

/// <summary>Validates <see cref="TrustedProxyOptions"/> at start-up, every error at once; a network wider than an IPv4 /8 or IPv6 /16 is refused.</summary>
internal sealed class TrustedProxyOptionsValidator : IValidateOptions<TrustedProxyOptions>
{
    /// <summary>The shortest IPv4 prefix a trusted network may have (<c>10.0.0.0/8</c>, a pod network, is the widest).</summary>
    public const int MinIPv4Prefix = 8;

    /// <summary>The shortest IPv6 prefix a trusted network may have.</summary>
    public const int MinIPv6Prefix = 16;

    // Where a dual-stack socket puts IPv4 clients (::ffff:a.b.c.d), which the forwarded-headers middleware matches as IPv4 too.
    private static readonly IPAddress IPv4Mapped = IPAddress.Parse("::ffff:0:0");

    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var entry in options.KnownNetworks)
        {
            if (!IPNetwork.TryParse(entry, out var network))
            {
                errors.Add($"{TrustedProxyOptions.SectionName}:KnownNetworks entry '{entry}' is not a CIDR network, e.g. 10.0.0.0/8.");
            }
            else if (TooWide(network))
            {
                errors.Add($"{TrustedProxyOptions.SectionName}:KnownNetworks entry '{entry}' is wider than an IPv4 /{MinIPv4Prefix} or IPv6 /{MinIPv6Prefix}: "
                    + "every client in it could set its own X-Forwarded-For and spend other addresses' per-address limits. List only the proxies' own network or addresses.");
            }
        }

        errors.AddRange(options.KnownProxies.Where(static p => !IPAddress.TryParse(p, out _))
            .Select(static p => $"{TrustedProxyOptions.SectionName}:KnownProxies entry '{p}' is not an IP address."));
        if (options.ForwardLimit is < 1 or > 10)
        {
            errors.Add($"{TrustedProxyOptions.SectionName}:ForwardLimit must be between 1 and 10.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // An IPv6 network over IPv4-mapped addresses is as wide as the IPv4 range it maps (::ffff:0:0/96 is every IPv4 client).
    private static bool TooWide(IPNetwork network)
    {
        if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
        {
            return network.PrefixLength < MinIPv4Prefix;
        }

        return network.PrefixLength < MinIPv6Prefix || (SpansIPv4Mapped(network) && network.PrefixLength - 96 < MinIPv4Prefix);
    }

    // The network's first bits (up to the 96 of ::ffff:) are those of ::ffff:0:0: it holds IPv4-mapped addresses.
    private static bool SpansIPv4Mapped(IPNetwork network)
    {
        var network6 = network.BaseAddress.GetAddressBytes();
        var mapped = IPv4Mapped.GetAddressBytes();
        for (var bit = 0; bit < Math.Min(network.PrefixLength, 96); bit++)
        {
            if (((network6[bit / 8] ^ mapped[bit / 8]) & (0x80 >> (bit % 8))) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
