using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Policy.Evidence;

/// <summary>
/// A signed checkpoint of one chain partition's Merkle tree (a tenant's records written by one replica): its size, its
/// RFC 6962 tree head and when it was taken, signed with the receipt key as a compact JWS, ES256, <c>typ</c>
/// <see cref="Type"/>. Anyone holding an earlier checkpoint can ask for a consistency proof to this one and check, with
/// the JWKS alone, that the log only grew; an inclusion proof against it shows a record (a receipt's leaf) is in it.
/// </summary>
public sealed record AuditCheckpoint
{
    public const string Type = "gamut-checkpoint+jws";

    public const int Version = 1;

    public required string Tenant { get; init; }

    public required string Replica { get; init; }

    public required long TreeSize { get; init; }

    /// <summary>Lowercase hex MTH of the first <see cref="TreeSize"/> leaves.</summary>
    public required string RootHash { get; init; }

    public required DateTimeOffset Time { get; init; }

    public string Sign(ReceiptKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("replica", Replica);
            json.WriteString("root_hash", RootHash);
            json.WriteString("tenant", Tenant);
            json.WriteString("time", Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("tree_size", TreeSize);
            json.WriteNumber("v", Version);
            json.WriteEndObject();
        }

        return key.Sign(Type, buffer.WrittenSpan);
    }

    public static bool TryVerify(string? checkpoint, EvidenceKeySet keys, out AuditCheckpoint? claims, out string? error)
    {
        claims = null;
        if (!EvidenceToken.TryVerify(checkpoint, Type, keys, out var p, out error))
        {
            return false;
        }

        if (EvidenceToken.Number(p, "v") == Version
            && EvidenceToken.Text(p, "tenant") is { } tenant && EvidenceToken.Text(p, "replica") is { } replica
            && EvidenceToken.Number(p, "tree_size") is { } size and >= 0 && EvidenceToken.Text(p, "root_hash") is { Length: 64 } root
            && EvidenceToken.Text(p, "time") is { } timeText
            && DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            claims = new AuditCheckpoint { Tenant = tenant, Replica = replica, TreeSize = size, RootHash = root, Time = time };
            return true;
        }

        error = EvidenceErrors.InvalidClaims;
        return false;
    }
}
