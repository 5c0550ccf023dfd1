using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.Bundle;

/// <summary>A cheap fingerprint of a bundle directory (names, sizes, write times) to notice changes without parsing.</summary>
internal static class BundleFingerprint
{
    public static string Compute(string directory)
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            builder.Append(file).Append('|').Append(info.Length).Append('|').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
