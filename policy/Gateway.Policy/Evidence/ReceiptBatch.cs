using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Unicode;
using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Evidence;

/// <summary>
/// Decision receipts signed by the batch: one ES256 signature per group of receipts, whatever its size. The group's
/// claims (<see cref="DecisionReceipt"/>, each with its <c>batch_index</c>) are the leaves of an RFC 6962 Merkle tree;
/// a compact JWS (<c>typ</c> <see cref="Type"/>) signs the tree's root, size and time. Each request's receipt is
/// <c>batch-jws ~ base64url(claims) ~ base64url(audit path)</c> (the path's 32-byte hashes concatenated, bottom up;
/// empty in a batch of one): whoever holds the JWKS checks the signature, hashes the claims into their leaf and walks
/// the path to the signed root (RFC 9162 section 2.1.3.2), with nothing from the gateway. The separator is SD-JWT's.
/// </summary>
public static class ReceiptBatch
{
    /// <summary>The JWS <c>typ</c> of a batch's signed root.</summary>
    public const string Type = "gamut-receipt-batch+jws";

    /// <summary>The <c>v</c> of a batch and of the claims it signs.</summary>
    public const int Version = 2;

    /// <summary>What separates a receipt's signed root, claims and path.</summary>
    public const char Separator = '~';

    /// <summary>The most receipts one batch signs (a path of at most 16 hashes).</summary>
    public const int MaxSize = 1 << 16;

    private const int MaxLength = 16 * 1024;

    private const int MaxRetainedBufferBytes = 64 * 1024;

    // The claims of the batch being signed or rebuilt, one after another in one buffer, and their writer: one per thread,
    // reused (a thread signs one batch at a time), so that a receipt's claims get no array of their own.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_claims;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    // The arrays of a batch of one, reused by the thread's next (TreeOfOne).
    [ThreadStatic]
    private static TreeOfOneArrays? t_one;

    // Room for a statement: {"iat":<20>,"root":"<64>","size":<11>,"v":2} is at most 127 bytes.
    private const int StatementCapacity = 160;

    /// <summary>Signs <paramref name="receipts"/> with one signature; the receipt of each, in order.</summary>
    public static string[] Sign(IReadOnlyList<DecisionReceipt> receipts, ReceiptKey key, long issuedAt) =>
        Sign(receipts, key, issuedAt, out _);

    /// <summary>
    /// Signs <paramref name="receipts"/> with one signature; the receipt of each, in order, and the batch's signed root:
    /// the first receipt's prefix (every receipt starts with it), so that the root has no string of its own.
    /// </summary>
    public static string[] Sign(IReadOnlyList<DecisionReceipt> receipts, ReceiptKey key, long issuedAt, out ReadOnlyMemory<char> signedRoot)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfZero(receipts.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(receipts.Count, MaxSize);

        var (claims, paths, root) = Tree(receipts);
        Span<byte> text = stackalloc byte[StatementCapacity];
        var statement = text[..Statement(root, claims.Length, issuedAt, text)];

        // The signed root is written into a pooled buffer and copied into each receipt.
        var length = key.SignedLength(Type, statement.Length);
        var signed = ArrayPool<char>.Shared.Rent(length);
        try
        {
            key.Sign(Type, statement, signed);
            var issued = Issue(signed.AsMemory(0, length), claims, paths);
            signedRoot = issued[0].AsMemory(0, length);
            return issued;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(signed);
            ReleaseLargeClaims();
        }
    }

    /// <summary>
    /// The receipts of a stored batch again: the tree of <paramref name="receipts"/> (their claims rebuilt, in batch
    /// order) recomputed and checked against the root, size and time <paramref name="signedRoot"/> signs (its signature
    /// is the verifier's to check). False, with no receipts, when they differ: the claims are not the ones signed.
    /// </summary>
    public static bool TryRebuild(string signedRoot, IReadOnlyList<DecisionReceipt> receipts, long issuedAt, out string[] issued)
    {
        ArgumentNullException.ThrowIfNull(signedRoot);
        ArgumentNullException.ThrowIfNull(receipts);
        issued = [];
        if (receipts.Count is 0 or > MaxSize)
        {
            return false;
        }

        try
        {
            var (claims, paths, root) = Tree(receipts);
            var parts = signedRoot.Split('.');
            Span<byte> expected = stackalloc byte[StatementCapacity];
            if (parts.Length != 3 || !CompactJws.TryDecode(parts[1], out var statement)
                || !statement.AsSpan().SequenceEqual(expected[..Statement(root, claims.Length, issuedAt, expected)]))
            {
                return false;
            }

            issued = Issue(signedRoot.AsMemory(), claims, paths);
            return true;
        }
        finally
        {
            ReleaseLargeClaims();
        }
    }

    // Each receipt's claims (in the thread's buffer: read them before this thread's next batch) and leaf, and the tree.
    private static (ReadOnlyMemory<byte>[] Claims, List<byte[]>[] Paths, byte[] Root) Tree(IReadOnlyList<DecisionReceipt> receipts)
    {
        var buffer = t_claims ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var json = t_writer ??= new Utf8JsonWriter(buffer);
        if (receipts.Count == 1)
        {
            return TreeOfOne(receipts[0], buffer, json);
        }

        var claims = new ReadOnlyMemory<byte>[receipts.Count];
        var leaves = new byte[receipts.Count][];
        for (var i = 0; i < claims.Length; i++)
        {
            // A slice stays valid as the buffer grows: growing copies into a new array and leaves the old one as it was.
            var start = buffer.WrittenCount;
            json.Reset(buffer);
            receipts[i].WriteClaims(i, json);
            claims[i] = buffer.WrittenMemory[start..];
            leaves[i] = MerkleTree.LeafHash(claims[i].Span);
        }

        var (root, paths) = MerkleTree.RootAndInclusionPaths(leaves);
        return (claims, paths, root);
    }

    // A batch of one (every request's own, when requests come one at a time): its leaf is the root and its path empty. Its
    // arrays are the thread's, like the claims' buffer, and read before the thread's next batch (nothing keeps them).
    private static (ReadOnlyMemory<byte>[] Claims, List<byte[]>[] Paths, byte[] Root) TreeOfOne(DecisionReceipt receipt, ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        var one = t_one ??= new TreeOfOneArrays();
        json.Reset(buffer);
        receipt.WriteClaims(0, json);
        one.Claims[0] = buffer.WrittenMemory;
        MerkleTree.LeafHash(one.Claims[0].Span, one.Root);
        return (one.Claims, one.Paths, one.Root);
    }

    // Once the claims are read: a buffer a large batch grew is not kept by the thread.
    private static void ReleaseLargeClaims()
    {
        if (t_claims is { Capacity: > MaxRetainedBufferBytes })
        {
            t_claims = null;
            t_writer = null;
        }
    }

    private static string[] Issue(ReadOnlyMemory<char> signed, ReadOnlyMemory<byte>[] claims, List<byte[]>[] paths)
    {
        var issued = new string[claims.Length];
        for (var i = 0; i < claims.Length; i++)
        {
            issued[i] = Receipt(signed, claims[i], paths[i]);
        }

        return issued;
    }

    // signed ~ base64url(claims) ~ base64url(path), written straight into the one string.
    private static string Receipt(ReadOnlyMemory<char> signed, ReadOnlyMemory<byte> claims, List<byte[]> path)
    {
        var claimsLength = Base64Url.GetEncodedLength(claims.Length);
        var pathLength = Base64Url.GetEncodedLength(path.Count * MerkleTree.HashSize);
        return string.Create(signed.Length + 1 + claimsLength + 1 + pathLength, (signed, claims, path), static (span, state) =>
        {
            state.signed.Span.CopyTo(span);
            var at = state.signed.Length;
            span[at++] = Separator;
            at += Base64Url.EncodeToChars(state.claims.Span, span[at..]);
            span[at++] = Separator;
            Span<byte> joined = stackalloc byte[16 * MerkleTree.HashSize];
            for (var i = 0; i < state.path.Count; i++)
            {
                state.path[i].CopyTo(joined[(i * MerkleTree.HashSize)..]);
            }

            Base64Url.EncodeToChars(joined[..(state.path.Count * MerkleTree.HashSize)], span[at..]);
        });
    }

    /// <summary>
    /// Checks a batched receipt: the signed root under <paramref name="keys"/>, then the claims' path to it. The claims
    /// as a JSON object, or why it was refused (<see cref="EvidenceErrors"/>; <see cref="EvidenceErrors.NotInBatch"/>
    /// when the signature holds but the claims or their path do not lead to the signed root).
    /// </summary>
    public static bool TryOpen(string receipt, EvidenceKeySet keys, out JsonElement claims, out string? error)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(keys);
        claims = default;
        var parts = receipt.Length <= MaxLength ? receipt.Split(Separator) : [];
        if (parts.Length != 3
            || !CompactJws.TryDecode(parts[1], out var claimBytes) || !CompactJws.TryParseObject(claimBytes, out claims)
            || !TryPath(parts[2], out var path))
        {
            error = EvidenceErrors.Malformed;
            return false;
        }

        if (!EvidenceToken.TryVerify(parts[0], Type, keys, out var statement, out error))
        {
            return false;
        }

        if (EvidenceToken.Number(statement, "v") != Version || EvidenceToken.Number(statement, "size") is not { } size || size is < 1 or > MaxSize
            || EvidenceToken.Text(statement, "root") is not { Length: 2 * MerkleTree.HashSize } rootHex || !IsLowerHex(rootHex)
            || EvidenceToken.Number(claims, "v") != Version || EvidenceToken.Number(claims, "batch_index") is not { } index)
        {
            error = EvidenceErrors.InvalidClaims;
            return false;
        }

        if (!MerkleProof.VerifyInclusion(MerkleTree.LeafHash(claimBytes), index, size, path, Convert.FromHexString(rootHex)))
        {
            error = EvidenceErrors.NotInBatch;
            return false;
        }

        error = null;
        return true;
    }

    // {"iat":…,"root":"<64 hex>","size":…,"v":2}, formatted as UTF-8 into the caller's buffer (on its stack, of
    // StatementCapacity bytes); its length. The root's hex goes straight in: no hex string, no array of the statement.
    private static int Statement(byte[] root, int size, long issuedAt, Span<byte> text)
    {
        if (Utf8.TryWrite(text, CultureInfo.InvariantCulture, $"{{\"iat\":{issuedAt},\"root\":\"", out var head)
            && Convert.TryToHexStringLower(root, text[head..], out var hex)
            && Utf8.TryWrite(text[(head + hex)..], CultureInfo.InvariantCulture, $"\",\"size\":{size},\"v\":{Version}}}", out var tail))
        {
            return head + hex + tail;
        }

        throw new InvalidOperationException("A receipt batch statement did not fit its buffer.");
    }

    private static bool TryPath(string part, out List<byte[]> path)
    {
        path = [];
        if (part.Length == 0)
        {
            return true;
        }

        if (!CompactJws.TryDecode(part, out var bytes) || bytes.Length % MerkleTree.HashSize != 0 || bytes.Length > 16 * MerkleTree.HashSize)
        {
            return false;
        }

        for (var offset = 0; offset < bytes.Length; offset += MerkleTree.HashSize)
        {
            path.Add(bytes[offset..(offset + MerkleTree.HashSize)]);
        }

        return true;
    }

    private static bool IsLowerHex(string text) => text.All(static c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
