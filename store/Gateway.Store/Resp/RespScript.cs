using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Store.Resp;

/// <summary>
/// A Lua script run with <c>EVALSHA</c>, falling back to <c>EVAL</c> (which also loads it) when the
/// server answers <c>NOSCRIPT</c>. The SHA1 digest is computed locally, as Redis computes it.
/// </summary>
internal sealed class RespScript
{
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "Redis names scripts by their SHA1 digest; it is an identifier, not a security control.")]
    public RespScript(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Source = Encoding.UTF8.GetBytes(source);
        Sha1 = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA1.HashData(Source.Span)));
    }

    /// <summary>The script body, UTF-8.</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>The lower-case hexadecimal SHA1 of <see cref="Source"/>, ASCII.</summary>
    public ReadOnlyMemory<byte> Sha1 { get; }

    public string Sha1Hex => Encoding.ASCII.GetString(Sha1.Span);
}
