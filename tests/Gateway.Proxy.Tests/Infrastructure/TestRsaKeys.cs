using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// RSA-2048 keys made once per test process and handed out in turn to the test identity providers: making one costs tens
/// to hundreds of milliseconds of CPU, and a run starts hundreds of providers (a seventh of the suite's CPU went to it).
/// </summary>
internal static class TestRsaKeys
{
    private static readonly Lazy<RSA>[] Pool = [.. Enumerable.Range(0, 8).Select(static _ => new Lazy<RSA>(static () => RSA.Create(2048)))];
    private static int _next = -1;

    /// <summary>A key named <paramref name="keyId"/> whose material is none of <paramref name="unlike"/>'s (a provider's published keys, so that a rotation or an impostor really is another key).</summary>
    public static RsaSecurityKey Next(string keyId, IReadOnlyCollection<SecurityKey> unlike)
    {
        if (unlike.Count >= Pool.Length)
        {
            throw new InvalidOperationException($"a provider published {unlike.Count} keys; the pool holds {Pool.Length}");
        }

        while (true)
        {
            var rsa = Pool[(int)((uint)Interlocked.Increment(ref _next) % (uint)Pool.Length)].Value;
            if (!unlike.Any(key => key is RsaSecurityKey { Rsa: var taken } && ReferenceEquals(taken, rsa)))
            {
                return new RsaSecurityKey(rsa) { KeyId = keyId };
            }
        }
    }
}
