using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Evidence;

/// <summary>
/// The gateway's receipt signing keys: one active key that signs receipts and checkpoints, and the retired ones, public
/// keys only, that stay in the JWKS so that everything they signed still verifies until they are revoked (removed). Kept
/// as a JSON file (<c>{"keys":[{"kid","alg":"ES256","crv":"P-256","created","status":"active"|"retired","x","y","d"}]}</c>,
/// <c>d</c> on the active key only; a secret: mode 0600) written by <c>gatewayctl keys init|rotate|revoke</c> and read by
/// the gateway at start-up. The hosts read and write that file (<c>Gateway.Store.PrivateFiles.WriteAllText</c>); this
/// type only parses and produces its text.
/// </summary>
public sealed class ReceiptKeyRing
{
    private ReceiptKeyRing(IReadOnlyList<ReceiptKey> keys)
    {
        Keys = keys;
        Active = keys.Single(static k => !k.Retired);
    }

    /// <summary>Every key, oldest first.</summary>
    public IReadOnlyList<ReceiptKey> Keys { get; }

    /// <summary>The one key that signs.</summary>
    public ReceiptKey Active { get; }

    /// <summary>A ring with one new active key.</summary>
    public static ReceiptKeyRing Generate(DateTimeOffset now) => new([NewKey(now)]);

    /// <summary>This ring with a new active key; the previous active key is retired: its public key kept, its private key dropped.</summary>
    public ReceiptKeyRing Rotate(DateTimeOffset now) => new([.. Keys.Select(static k => k.Retired ? k : k.AsRetired()), NewKey(now)]);

    /// <summary>
    /// This ring without the retired key <paramref name="keyId"/> (a key that leaked): it leaves the JWKS, so nothing it
    /// signed verifies any more, what it signed before the leak included.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No key of the ring has that <c>kid</c>.</exception>
    /// <exception cref="InvalidOperationException">It is the active key: rotate first, then revoke it.</exception>
    public ReceiptKeyRing Revoke(string keyId)
    {
        var key = Keys.SingleOrDefault(k => k.KeyId == keyId) ?? throw new KeyNotFoundException($"The ring has no key '{keyId}'.");
        return key.Retired
            ? new ReceiptKeyRing([.. Keys.Where(k => !ReferenceEquals(k, key))])
            : throw new InvalidOperationException($"'{keyId}' is the active key: rotate first ('keys rotate'), then revoke it.");
    }

    /// <summary>Reads a ring file's text.</summary>
    /// <exception cref="FormatException">Not a ring: not JSON, no key, not exactly one active key, an active key without its <c>d</c>, a key that is not P-256 or whose <c>kid</c> is not its thumbprint. A retired key's <c>d</c> is ignored.</exception>
    public static ReceiptKeyRing Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (!document.RootElement.TryGetProperty("keys", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
            {
                throw new FormatException("The receipt key ring has no keys.");
            }

            var keys = new List<ReceiptKey>();
            foreach (var item in array.EnumerateArray())
            {
                keys.Add(ParseKey(item));
            }

            if (keys.Count(static k => !k.Retired) != 1)
            {
                throw new FormatException("The receipt key ring must have exactly one active key.");
            }

            if (keys.Select(static k => k.KeyId).Distinct(StringComparer.Ordinal).Count() != keys.Count)
            {
                throw new FormatException("The receipt key ring holds a key twice.");
            }

            return new ReceiptKeyRing(keys);
        }
        catch (Exception ex) when (ex is JsonException or CryptographicException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException("The receipt key ring is not valid: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// A ring of one active key from a PEM ECDSA P-256 private key (<c>EC PRIVATE KEY</c>, SEC 1, as sprig's
    /// <c>genPrivateKey "ecdsa"</c> and <c>openssl ecparam -genkey</c> write it, or an unencrypted PKCS#8
    /// <c>PRIVATE KEY</c>); its <c>kid</c> is the RFC 7638 thumbprint like every ring key's.
    /// </summary>
    /// <exception cref="FormatException">No private key PEM, or a key that is not ECDSA on P-256.</exception>
    public static ReceiptKeyRing FromPem(string pem, DateTimeOffset created)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            var parameters = key.ExportParameters(includePrivateParameters: true);
            if (parameters.D is null || parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new FormatException("The PEM receipt key is not an ECDSA P-256 private key.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new FormatException("The PEM receipt key is not an ECDSA P-256 private key: " + ex.Message, ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }

        return new ReceiptKeyRing([new ReceiptKey(key, DateTimeOffset.FromUnixTimeSeconds(created.ToUnixTimeSeconds()), retired: false)]);
    }

    /// <summary>The ring file's text, the active key's private key included (a retired key's never): write it only to a file of mode 0600 (<c>PrivateFiles.WriteAllText</c>).</summary>
    public string ToPrivateJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                json.WriteStartObject();
                json.WriteString("kid", key.KeyId);
                json.WriteString("alg", "ES256");
                json.WriteString("crv", "P-256");
                json.WriteString("created", key.Created.ToString("O", CultureInfo.InvariantCulture));
                json.WriteString("status", key.Retired ? "retired" : "active");
                json.WriteString("x", key.X);
                json.WriteString("y", key.Y);
                if (!key.Retired)
                {
                    json.WriteString("d", Base64Url.EncodeToString(key.Key.ExportParameters(includePrivateParameters: true).D));
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The public JWKS (RFC 7517): every key, active and retired, with <c>kid</c>, <c>alg</c> ES256 and <c>use</c> sig. Never a private member.</summary>
    public string ToJwks()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                json.WriteStartObject();
                json.WriteString("kty", "EC");
                json.WriteString("crv", "P-256");
                json.WriteString("x", key.X);
                json.WriteString("y", key.Y);
                json.WriteString("kid", key.KeyId);
                json.WriteString("alg", "ES256");
                json.WriteString("use", "sig");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static ReceiptKey NewKey(DateTimeOffset now) =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256), DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()), retired: false);

    private static ReceiptKey ParseKey(JsonElement item)
    {
        string Text(string name) =>
            item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"A receipt key has no '{name}'.");

        if (Text("alg") != "ES256" || Text("crv") != P256Jwk.Curve)
        {
            throw new FormatException("A receipt key is not ES256 on P-256.");
        }

        var status = Text("status");
        if (status is not ("active" or "retired"))
        {
            throw new FormatException("A receipt key's status is neither 'active' nor 'retired'.");
        }

        // Only the active key's private key is read: a retired key signs nothing, and the d a ring written before retired
        // keys lost theirs still holds is dropped here, so the next write leaves it out.
        var retired = status == "retired";
        var key = P256Jwk.Import(Text("x"), Text("y"), retired ? null : Text("d"));
        var created = DateTimeOffset.Parse(Text("created"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var parsed = new ReceiptKey(key, created, retired);
        return parsed.KeyId == Text("kid") ? parsed : throw new FormatException($"The receipt key '{Text("kid")}' is not its public key's thumbprint.");
    }
}
