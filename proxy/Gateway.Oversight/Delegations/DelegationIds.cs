using System.Security.Cryptography;

namespace Gateway.Oversight.Delegations;

/// <summary>
/// Delegated children's ids: <c>dlg-</c> and 26 lowercase base32 characters (130 random bits), a valid agent id that
/// no one can guess. Only an id of this form is looked up in the store; a registered agent of the same id would win.
/// </summary>
public static class DelegationIds
{
    public const string Prefix = "dlg-";

    private const int RandomLength = 26;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string New()
    {
        Span<byte> random = stackalloc byte[RandomLength];
        RandomNumberGenerator.Fill(random);
        return string.Create(Prefix.Length + RandomLength, random.ToArray(), static (chars, bytes) =>
        {
            Prefix.AsSpan().CopyTo(chars);
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[Prefix.Length + i] = Alphabet[bytes[i] & 31];
            }
        });
    }

    /// <summary>True when <paramref name="agent"/> has the form of a delegated child's id.</summary>
    public static bool IsDelegate(string? agent)
    {
        if (agent is null || agent.Length != Prefix.Length + RandomLength || !agent.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in agent.AsSpan(Prefix.Length))
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
