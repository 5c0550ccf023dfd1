using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Policy.Evidence;

/// <summary>
/// The gateway's signature over an evidence pack's <c>manifest.json</c> (the SHA-256 of every file of the pack): a
/// compact JWS, ES256 with the receipt key, <c>typ</c> <see cref="Type"/>, payload
/// <c>{"manifest_sha256","tenant","time","v":1}</c>. It binds the pack's files to the tenant and the time the gateway
/// saw the manifest; the checkpoint, proofs and receipts inside prove the records themselves.
/// </summary>
public sealed record EvidenceManifestSignature
{
    public const string Type = "gamut-evidence-manifest+jws";

    public const int Version = 1;

    public required string Tenant { get; init; }

    /// <summary>Lowercase hex SHA-256 of the manifest file's bytes.</summary>
    public required string ManifestSha256 { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>True when <paramref name="value"/> is 64 lowercase hex digits.</summary>
    public static bool IsDigest(string? value) =>
        value is { Length: 64 } && value.All(static c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public string Sign(ReceiptKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("manifest_sha256", ManifestSha256);
            json.WriteString("tenant", Tenant);
            json.WriteString("time", Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("v", Version);
            json.WriteEndObject();
        }

        return key.Sign(Type, buffer.WrittenSpan);
    }

    public static bool TryVerify(string? signature, EvidenceKeySet keys, out EvidenceManifestSignature? claims, out string? error)
    {
        claims = null;
        if (!EvidenceToken.TryVerify(signature, Type, keys, out var p, out error))
        {
            return false;
        }

        if (EvidenceToken.Number(p, "v") == Version
            && EvidenceToken.Text(p, "tenant") is { } tenant
            && EvidenceToken.Text(p, "manifest_sha256") is { } digest && IsDigest(digest)
            && EvidenceToken.Text(p, "time") is { } timeText
            && DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            claims = new EvidenceManifestSignature { Tenant = tenant, ManifestSha256 = digest, Time = time };
            return true;
        }

        error = EvidenceErrors.InvalidClaims;
        return false;
    }
}
