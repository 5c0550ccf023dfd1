using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy;

namespace Gateway.Proxy.Routing;

/// <summary>
/// A short digest of where a connector entry sends its calls (its upstream, then its destinations in order), made once per
/// entry of a loaded policy: two entries that send to the same addresses share it, a reload that moves one changes it.
/// </summary>
internal static class UpstreamDigest
{
    private static readonly ConditionalWeakTable<CatalogEntry, string> s_made = [];

    /// <summary>The digest of <paramref name="entry"/>'s addresses: 16 lowercase hex digits.</summary>
    public static string Of(CatalogEntry entry) => s_made.GetValue(entry, static entry => Make(entry));

    private static string Make(CatalogEntry entry)
    {
        var addresses = new StringBuilder(entry.Upstream?.AbsoluteUri);
        foreach (var destination in entry.Destinations)
        {
            addresses.Append('\n').Append(destination.AbsoluteUri);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(addresses.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
