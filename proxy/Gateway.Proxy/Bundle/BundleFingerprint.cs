using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// A fingerprint of a bundle directory (each file's name and content) to notice changes without parsing: a rewrite that
/// keeps a file's size and write time (a copy that preserves times, a clock set back) is still a change.
/// </summary>
internal static class BundleFingerprint
{
    public static string Compute(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[sizeof(long)];
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Encoding.UTF8.GetBytes(file);
            BitConverter.TryWriteBytes(length, (long)name.Length);
            hash.AppendData(length);
            hash.AppendData(name);
            var content = File.ReadAllBytes(file);
            BitConverter.TryWriteBytes(length, (long)content.Length);
            hash.AppendData(length);
            hash.AppendData(content);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
