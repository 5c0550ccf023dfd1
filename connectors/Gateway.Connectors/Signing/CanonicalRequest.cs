using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Connectors.Signing;

/// <summary>
/// The canonical string of the agent protocol: nine lines joined by <c>\n</c>, no trailing newline,
/// and its HMAC-SHA256 signature <c>v1=&lt;lowercase hex&gt;</c>. A request that carries the person's identity token
/// (<see cref="SignatureHeaders.Person"/>) has a tenth line, the token's SHA-256; a request that carries a run
/// (<see cref="SignatureHeaders.Run"/>) has one more line after those, the run id itself. A request without either is
/// signed exactly as before, so clients that never send them see no change.
/// </summary>
public static class CanonicalRequest
{
    public const string Scheme = "GAMUT-HMAC-SHA256-V1";
    public const string SignaturePrefix = "v1=";

    /// <summary>Lowercase hex SHA-256 of the empty string.</summary>
    public const string EmptyBodySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// The canonical string: the nine lines, then, only when <paramref name="personTokenSha256Hex"/> is given (the request
    /// carries <see cref="SignatureHeaders.Person"/>), a tenth: <see cref="HashPersonToken"/> of the header's value; then,
    /// only when <paramref name="runId"/> is given (the request carries <see cref="SignatureHeaders.Run"/>), the run id as
    /// sent, last (the tenth line without a person, the eleventh with one).
    /// </summary>
    public static string Build(
        string method,
        string target,
        string tenant,
        string workspace,
        string agent,
        string timestamp,
        string nonce,
        string bodySha256Hex,
        string? personTokenSha256Hex = null,
        string? runId = null)
    {
        var nine = string.Join('\n', Scheme, method.ToUpperInvariant(), target, tenant, workspace, agent, timestamp, nonce, bodySha256Hex);
        var withPerson = personTokenSha256Hex is null ? nine : nine + "\n" + personTokenSha256Hex;
        return runId is null ? withPerson : withPerson + "\n" + runId;
    }

    /// <summary>Lowercase hex SHA-256 of the <c>X-Gamut-Person</c> header's value (its UTF-8 bytes, as sent): the tenth line.</summary>
    public static string HashPersonToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var max = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            return HashBody(rented.AsSpan(0, Encoding.UTF8.GetBytes(token, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Lowercase hex SHA-256 of the body bytes.</summary>
    public static string HashBody(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Computes <c>v1=</c> + lowercase hex HMAC-SHA256(key, canonical string).</summary>
    public static string Sign(ReadOnlySpan<byte> key, string canonical)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(key, canonical, mac);
        return SignaturePrefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// True when <paramref name="presented"/> is a well-formed <c>v1=</c> signature equal to the
    /// expected one. The comparison of the MAC bytes is in constant time.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, string canonical, string presented)
    {
        if (presented.Length != SignaturePrefix.Length + (HMACSHA256.HashSizeInBytes * 2)
            || !presented.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> presentedMac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!TryDecodeLowerHex(presented.AsSpan(SignaturePrefix.Length), presentedMac))
        {
            return false;
        }

        Span<byte> expectedMac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(key, canonical, expectedMac);
        return CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac);
    }

    private static void ComputeMac(ReadOnlySpan<byte> key, string canonical, Span<byte> destination)
    {
        var max = Encoding.UTF8.GetMaxByteCount(canonical.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(canonical, rented);
            HMACSHA256.HashData(key, rented.AsSpan(0, length), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryDecodeLowerHex(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            var hi = LowerHexValue(hex[2 * i]);
            var lo = LowerHexValue(hex[(2 * i) + 1]);
            if ((hi | lo) < 0)
            {
                return false;
            }

            destination[i] = (byte)((hi << 4) | lo);
        }

        return true;
    }

    private static int LowerHexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
