using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Tokens;

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
        ArgumentNullException.ThrowIfNull(bodySha256Hex);
        return Build(new Lines(method, target, tenant, workspace, agent, timestamp, nonce, personTokenSha256Hex, runId), bodySha256Hex, default);
    }

    /// <summary>
    /// <see cref="Build(string, string, string, string, string, string, string, string, string?, string?)"/> of a request
    /// whose body is <paramref name="body"/>: its SHA-256 (<see cref="HashBody"/>) written straight into the string.
    /// </summary>
    public static string Build(
        string method,
        string target,
        string tenant,
        string workspace,
        string agent,
        string timestamp,
        string nonce,
        ReadOnlySpan<byte> body,
        string? personTokenSha256Hex = null,
        string? runId = null)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Build(new Lines(method, target, tenant, workspace, agent, timestamp, nonce, personTokenSha256Hex, runId), null, hash);
    }

    /// <summary>
    /// <see cref="Build(string, string, string, string, string, string, string, ReadOnlySpan{byte}, string?, string?)"/>
    /// as UTF-8 bytes in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it): what a verifier
    /// MACs, with no string made for it.
    /// </summary>
    public static ArraySegment<byte> RentUtf8(
        string method,
        string target,
        string tenant,
        string workspace,
        string agent,
        string timestamp,
        string nonce,
        ReadOnlySpan<byte> body,
        string? personTokenSha256Hex = null,
        string? runId = null)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Written(new Lines(method, target, tenant, workspace, agent, timestamp, nonce, personTokenSha256Hex, runId), null, hash, static chars =>
        {
            var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length));
            return new ArraySegment<byte>(bytes, 0, Encoding.UTF8.GetBytes(chars, bytes));
        });
    }

    // The lines joined by '\n' into one string of the exact length.
    private static string Build(Lines lines, string? bodyHex, ReadOnlySpan<byte> bodyHash) =>
        Written(lines, bodyHex, bodyHash, static chars => new string(chars));

    private delegate TResult CharsReader<TResult>(ReadOnlySpan<char> chars);

    // The canonical string written on the stack (or a rented buffer when long), given to read, never kept.
    private static TResult Written<TResult>(Lines lines, string? bodyHex, ReadOnlySpan<byte> bodyHash, CharsReader<TResult> read)
    {
        var length = Length(lines, bodyHex, bodyHash);
        char[]? rented = null;
        var span = length <= 1024 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            return read(span[..Write(lines, bodyHex, bodyHash, span)]);
        }
        finally
        {
            if (rented is not null)
            {
                // The request's target (its query too) is not left in the pool.
                span.Clear();
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // The canonical string's length in characters.
    private static int Length(Lines lines, string? bodyHex, ReadOnlySpan<byte> bodyHash)
    {
        ArgumentNullException.ThrowIfNull(lines.Method);
        ArgumentNullException.ThrowIfNull(lines.Target);
        ArgumentNullException.ThrowIfNull(lines.Tenant);
        ArgumentNullException.ThrowIfNull(lines.Workspace);
        ArgumentNullException.ThrowIfNull(lines.Agent);
        ArgumentNullException.ThrowIfNull(lines.Timestamp);
        ArgumentNullException.ThrowIfNull(lines.Nonce);
        return Scheme.Length + lines.Method.Length + lines.Target.Length + lines.Tenant.Length + lines.Workspace.Length + lines.Agent.Length
            + lines.Timestamp.Length + lines.Nonce.Length + (bodyHex?.Length ?? (2 * bodyHash.Length)) + 8
            + (lines.PersonTokenSha256Hex is { } person ? person.Length + 1 : 0) + (lines.RunId is { } run ? run.Length + 1 : 0);
    }

    // The lines joined by '\n' into span (the method upper-cased in place); the body's line is bodyHex, or the lowercase
    // hex of bodyHash. The characters written.
    private static int Write(Lines lines, string? bodyHex, ReadOnlySpan<byte> bodyHash, Span<char> span)
    {
        Span<char> hex = stackalloc char[2 * SHA256.HashSizeInBytes];
        scoped ReadOnlySpan<char> body = bodyHex;
        if (bodyHex is null)
        {
            Convert.TryToHexStringLower(bodyHash, hex, out var written);
            body = hex[..written];
        }

        var at = 0;
        Append(span, ref at, Scheme, first: true);
        span[at++] = '\n';
        lines.Method.AsSpan().ToUpperInvariant(span[at..]);
        at += lines.Method.Length;
        Append(span, ref at, lines.Target);
        Append(span, ref at, lines.Tenant);
        Append(span, ref at, lines.Workspace);
        Append(span, ref at, lines.Agent);
        Append(span, ref at, lines.Timestamp);
        Append(span, ref at, lines.Nonce);
        Append(span, ref at, body);
        if (lines.PersonTokenSha256Hex is { } personLine)
        {
            Append(span, ref at, personLine);
        }

        if (lines.RunId is { } runLine)
        {
            Append(span, ref at, runLine);
        }

        return at;
    }

    private static void Append(Span<char> span, ref int at, ReadOnlySpan<char> line, bool first = false)
    {
        if (!first)
        {
            span[at++] = '\n';
        }

        line.CopyTo(span[at..]);
        at += line.Length;
    }

    private readonly record struct Lines(string Method, string Target, string Tenant, string Workspace, string Agent, string Timestamp, string Nonce, string? PersonTokenSha256Hex, string? RunId);

    /// <summary>Lowercase hex SHA-256 of the <c>X-Gamut-Person</c> header's value (its UTF-8 bytes, as sent): the tenth line.</summary>
    public static string HashPersonToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var max = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        var length = 0;
        try
        {
            length = Encoding.UTF8.GetBytes(token, rented);
            return HashBody(rented.AsSpan(0, length));
        }
        finally
        {
            // The person's bearer token: nothing of it is left in the pool.
            rented.AsSpan(0, length).Clear();
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
    public static string Sign(HmacKey key, string canonical)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> mac = stackalloc byte[HmacKey.MacSize];
        ComputeMac(key, canonical, mac);
        return SignaturePrefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// True when <paramref name="presented"/> is a well-formed <c>v1=</c> signature equal to the
    /// expected one. The comparison of the MAC bytes is in constant time.
    /// </summary>
    public static bool Verify(HmacKey key, string canonical, string presented)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var max = Encoding.UTF8.GetMaxByteCount(canonical.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        var length = 0;
        try
        {
            length = Encoding.UTF8.GetBytes(canonical, rented);
            return Verify(key, rented.AsSpan(0, length), presented);
        }
        finally
        {
            rented.AsSpan(0, length).Clear();
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary><see cref="Verify(HmacKey, string, string)"/> of the canonical string's UTF-8 bytes (<see cref="RentUtf8"/>).</summary>
    public static bool Verify(HmacKey key, ReadOnlySpan<byte> canonicalUtf8, string presented)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(presented);
        if (presented.Length != SignaturePrefix.Length + (HmacKey.MacSize * 2)
            || !presented.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> presentedMac = stackalloc byte[HmacKey.MacSize];
        return TryDecodeLowerHex(presented.AsSpan(SignaturePrefix.Length), presentedMac) && key.Verify(canonicalUtf8, presentedMac);
    }

    private static void ComputeMac(HmacKey key, string canonical, Span<byte> destination)
    {
        var max = Encoding.UTF8.GetMaxByteCount(canonical.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        var length = 0;
        try
        {
            length = Encoding.UTF8.GetBytes(canonical, rented);
            key.Compute(rented.AsSpan(0, length), destination);
        }
        finally
        {
            rented.AsSpan(0, length).Clear();
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
