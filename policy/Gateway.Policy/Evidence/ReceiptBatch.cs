using System.Buffers.Text;
using System.Globalization;
using System.Text;
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

    /// <summary>Signs <paramref name="receipts"/> with one signature; the receipt of each, in order.</summary>
    public static string[] Sign(IReadOnlyList<DecisionReceipt> receipts, ReceiptKey key, long issuedAt)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfZero(receipts.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(receipts.Count, MaxSize);

        var (claims, paths, root) = Tree(receipts);
        return Issue(key.Sign(Type, Statement(root, claims.Length, issuedAt)), claims, paths);
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

        var (claims, paths, root) = Tree(receipts);
        var parts = signedRoot.Split('.');
        if (parts.Length != 3 || !CompactJws.TryDecode(parts[1], out var statement)
            || !statement.AsSpan().SequenceEqual(Statement(root, claims.Length, issuedAt)))
        {
            return false;
        }

        issued = Issue(signedRoot, claims, paths);
        return true;
    }

    private static (byte[][] Claims, List<byte[]>[] Paths, byte[] Root) Tree(IReadOnlyList<DecisionReceipt> receipts)
    {
        var claims = new byte[receipts.Count][];
        var leaves = new byte[receipts.Count][];
        for (var i = 0; i < claims.Length; i++)
        {
            claims[i] = receipts[i].ToClaims(i);
            leaves[i] = MerkleTree.LeafHash(claims[i]);
        }

        var (root, paths) = MerkleTree.RootAndInclusionPaths(leaves);
        return (claims, paths, root);
    }

    private static string[] Issue(string signed, byte[][] claims, List<byte[]>[] paths)
    {
        var issued = new string[claims.Length];
        for (var i = 0; i < claims.Length; i++)
        {
            issued[i] = string.Concat(signed, "~", Base64Url.EncodeToString(claims[i]), "~", Base64Url.EncodeToString(Concat(paths[i])));
        }

        return issued;
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

    private static byte[] Statement(byte[] root, int size, long issuedAt) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"iat\":{issuedAt},\"root\":\"{Convert.ToHexStringLower(root)}\",\"size\":{size},\"v\":{Version}}}"));

    private static byte[] Concat(List<byte[]> path)
    {
        var bytes = new byte[path.Count * MerkleTree.HashSize];
        for (var i = 0; i < path.Count; i++)
        {
            path[i].CopyTo(bytes, i * MerkleTree.HashSize);
        }

        return bytes;
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
