using System.Buffers.Text;
using System.Security.Cryptography;

namespace Gateway.Oversight.Approvals;

/// <summary>Unguessable ids: a prefix and 128 random bits in URL-safe base64.</summary>
internal static class ApprovalIds
{
    public const string Prefix = "apr_";

    public static string New() => NewId(Prefix);

    public static string NewId(string prefix) =>
        prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>True for an id this library could have issued (so a crafted id never reaches a store key).</summary>
    public static bool IsWellFormed(string? id) => IsWellFormed(id, Prefix);

    public static bool IsWellFormed(string? id, string prefix)
    {
        if (id is null || id.Length != prefix.Length + 22 || !id.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in id.AsSpan(prefix.Length))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
