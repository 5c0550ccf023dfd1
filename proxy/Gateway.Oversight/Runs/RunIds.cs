using System.Security.Cryptography;

namespace Gateway.Oversight.Runs;

/// <summary>
/// Runs' ids: <c>run-</c> and 32 lowercase hex characters (128 random bits), minted by the gateway at
/// <c>POST /v1/runs</c>; the form <c>^run-[0-9a-f]{32}$</c> and nothing else. A run id can never be mistaken for a
/// person's token hash (64 hex characters, no prefix) on a canonical string's last line.
/// </summary>
public static class RunIds
{
    public const string Prefix = "run-";

    /// <summary>The length of a run id: the prefix and 32 hex characters.</summary>
    public const int Length = 36;

    /// <summary>A fresh run id.</summary>
    public static string New()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return Prefix + Convert.ToHexStringLower(random);
    }

    /// <summary>True when <paramref name="id"/> has the form of a run id.</summary>
    public static bool IsValid(string? id)
    {
        if (id is null || id.Length != Length || !id.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in id.AsSpan(Prefix.Length))
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
