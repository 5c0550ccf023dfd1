using System.Security.Cryptography;

namespace Gateway.Policy.Tokens;

/// <summary>
/// An HMAC-SHA256 key that keeps its computations' contexts for reuse: the key is scheduled once per context, not once
/// per MAC (a one-shot <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> costs
/// about twice as much on OpenSSL 3). Safe for concurrent use; the key is never exposed.
/// </summary>
public sealed class HmacKey
{
    /// <summary>The size of a MAC, in bytes.</summary>
    public const int MacSize = HMACSHA256.HashSizeInBytes;

    // Contexts kept between computations: enough for 16 threads computing at once; one returned to a full pool is disposed.
    // (A fixed size: the policy library reads nothing of its host's environment.)
    private const int PoolSize = 16;

    private readonly IncrementalHash?[] _pool = new IncrementalHash?[PoolSize];
    private readonly byte[] _key;

    /// <summary>A key of <paramref name="key"/>'s bytes (copied).</summary>
    public HmacKey(ReadOnlySpan<byte> key) => _key = key.ToArray();

    /// <summary>A 32-byte key of its own purpose: HKDF-SHA256(<paramref name="rootKey"/>, no salt, <paramref name="info"/>), the root key never used directly.</summary>
    public static HmacKey Derive(ReadOnlySpan<byte> rootKey, ReadOnlySpan<byte> info)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, key, salt: [], info);
        var derived = new HmacKey(key);
        CryptographicOperations.ZeroMemory(key);
        return derived;
    }

    /// <summary>Writes HMAC-SHA256(key, <paramref name="data"/>) into <paramref name="mac"/> (<see cref="MacSize"/> bytes).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mac.Length, MacSize, nameof(mac));
        var context = Rent();
        context.AppendData(data);
        context.GetHashAndReset(mac);
        Return(context);
    }

    /// <summary>True when <paramref name="presented"/> is HMAC-SHA256(key, <paramref name="data"/>), compared in constant time.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> presented)
    {
        Span<byte> expected = stackalloc byte[MacSize];
        Compute(data, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    private IncrementalHash Rent()
    {
        for (var i = 0; i < _pool.Length; i++)
        {
            if (Volatile.Read(ref _pool[i]) is not null && Interlocked.Exchange(ref _pool[i], null) is { } context)
            {
                return context;
            }
        }

        return IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
    }

    // Only a context that finished its computation comes back (one that threw mid-way is dropped with its state).
    private void Return(IncrementalHash context)
    {
        for (var i = 0; i < _pool.Length; i++)
        {
            if (Volatile.Read(ref _pool[i]) is null && Interlocked.CompareExchange(ref _pool[i], context, null) is null)
            {
                return;
            }
        }

        context.Dispose();
    }
}
