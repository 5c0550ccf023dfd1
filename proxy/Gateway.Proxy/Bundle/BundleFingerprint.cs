using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// A fingerprint of a bundle directory (each file's name and content) to notice changes without parsing: a rewrite that
/// keeps a file's size and write time (a copy that preserves times, a clock set back) is still a change. The files a bundle
/// names outside its directory (agents' <c>file:</c> secrets on a mounted Secret) have a fingerprint of their own.
/// </summary>
internal static class BundleFingerprint
{
    public static string Compute(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Append(hash, Encoding.UTF8.GetBytes(file));
            Append(hash, File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// A fingerprint of <paramref name="files"/> (each one's name and content, links followed, so a Kubernetes <c>..data</c>
    /// swap is a change) that never throws: a file that is missing, unreadable, empty or larger than a secret file is read
    /// (<see cref="ReferenceSecretResolver.MaxFileBytes"/>; a pipe or a device has no length) counts by its state alone.
    /// </summary>
    public static string OfFiles(IEnumerable<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            Append(hash, Encoding.UTF8.GetBytes(file));
            Append(hash, Read(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static byte[] Read(string file)
    {
        try
        {
            var info = new FileInfo(file);
            return !info.Exists ? "\0missing"u8.ToArray()
                : info.Length is > 0 and <= ReferenceSecretResolver.MaxFileBytes ? File.ReadAllBytes(info.FullName)
                : Encoding.UTF8.GetBytes("\0length " + info.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Encoding.UTF8.GetBytes("\0unreadable " + ex.GetType().Name);
        }
    }

    /// <summary>Length-prefixed, so that bytes cannot move between a name and a content unnoticed.</summary>
    private static void Append(IncrementalHash hash, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[sizeof(long)];
        BitConverter.TryWriteBytes(length, (long)bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
