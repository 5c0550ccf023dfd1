using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Policy.Evidence;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests.Evidence;

/// <summary>
/// A retired receipt key keeps its public key only: rotation drops its private key, the ring file holds the active
/// key's alone, and a ring written while retired keys still had theirs is read and loses them on the next write.
/// </summary>
public sealed class ReceiptKeyRingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rotate_PreviousActiveKey_KeepsNoPrivateKeyInTheRingFile()
    {
        var ring = ReceiptKeyRing.Generate(Now).Rotate(Now.AddDays(1));

        var written = Members(ring.ToPrivateJson());

        Assert.Equal(["retired", "active"], written.Select(static k => k["status"]));
        Assert.False(written[0].ContainsKey("d"));
        Assert.True(written[1].ContainsKey("d"));
        Assert.ThrowsAny<CryptographicException>(() => ring.Keys[0].Sign("gamut-checkpoint+jws", """{"v":1}"""u8));
    }

    [Fact]
    public void Parse_RingWhoseRetiredKeyStillHoldsItsPrivateKey_IsReadAndTheNextWriteDropsIt()
    {
        using var retired = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var active = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var json = JsonSerializer.Serialize(new { keys = new[] { Jwk(retired, "retired"), Jwk(active, "active") } });

        var ring = ReceiptKeyRing.Parse(json);
        var rewritten = ring.ToPrivateJson();

        Assert.Equal(2, ring.Keys.Count);
        Assert.Equal(Jwk(active, "active")["kid"], ring.Active.KeyId);
        Assert.DoesNotContain(Jwk(retired, "retired")["d"], rewritten, StringComparison.Ordinal);
        Assert.Contains(Jwk(active, "active")["d"], rewritten, StringComparison.Ordinal);
        Assert.ThrowsAny<CryptographicException>(() => ring.Keys[0].Sign("gamut-checkpoint+jws", """{"v":1}"""u8));
        Assert.Equal(2, EvidenceKeySet.Parse(ring.ToJwks()).KeyIds.Count);
    }

    [Fact]
    public void Parse_ActiveKeyWithoutItsPrivateKey_IsRefused()
    {
        using var active = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jwk = Jwk(active, "active");
        jwk.Remove("d");

        var error = Assert.Throws<FormatException>(() => ReceiptKeyRing.Parse(JsonSerializer.Serialize(new { keys = new[] { jwk } })));

        Assert.Contains("'d'", error.Message, StringComparison.Ordinal);
    }

    // A ring key as the file holds it, its private key included.
    private static Dictionary<string, string> Jwk(ECDsa key, string status)
    {
        var parameters = key.ExportParameters(includePrivateParameters: true);
        var x = Base64Url.EncodeToString(parameters.Q.X);
        var y = Base64Url.EncodeToString(parameters.Q.Y);
        return new Dictionary<string, string>
        {
            ["kid"] = P256Jwk.Thumbprint(x, y),
            ["alg"] = "ES256",
            ["crv"] = "P-256",
            ["created"] = Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["status"] = status,
            ["x"] = x,
            ["y"] = y,
            ["d"] = Base64Url.EncodeToString(parameters.D),
        };
    }

    private static List<Dictionary<string, string>> Members(string ring) =>
        JsonDocument.Parse(ring).RootElement.GetProperty("keys").EnumerateArray()
            .Select(static k => k.EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.GetString()!)).ToList();
}
