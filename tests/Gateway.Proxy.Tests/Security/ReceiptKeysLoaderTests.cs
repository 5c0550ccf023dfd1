using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// The receipt key ring at start-up: outside Development no ring refuses the start unless ephemeral keys are allowed by
/// name; a PEM ECDSA P-256 private key (what the chart generates) is a ring of one key whose kid is its RFC 7638 thumbprint.
/// </summary>
public sealed class ReceiptKeysLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gw-receipt-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_ProductionWithoutARing_RefusesToStartNamingTheSettingAndTheOption()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ReceiptKeysLoader.Load(Config(), Environment(Environments.Production), _directory));

        Assert.Contains("Gateway:Receipts:KeyRingFile", error.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Receipts:AllowEphemeralKeys=true", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void Load_ProductionAllowingEphemeralKeys_GeneratesARingForThisProcess()
    {
        var (ring, ephemeral) = ReceiptKeysLoader.Load(Config(("Gateway:Receipts:AllowEphemeralKeys", "true")), Environment(Environments.Production), _directory);

        Assert.True(ephemeral);
        Assert.Single(ring.Keys);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void Load_ProductionAllowEphemeralKeysFalse_RefusesToStart()
    {
        Assert.Throws<InvalidOperationException>(() =>
            ReceiptKeysLoader.Load(Config(("Gateway:Receipts:AllowEphemeralKeys", "false")), Environment(Environments.Staging), _directory));
    }

    [Fact]
    public void Load_AllowEphemeralKeysNotABoolean_RefusesToStartNamingIt()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            ReceiptKeysLoader.Load(Config(("Gateway:Receipts:AllowEphemeralKeys", "yes")), Environment(Environments.Production), _directory));

        Assert.Contains("Gateway:Receipts:AllowEphemeralKeys must be true or false, not 'yes'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemEcP256PrivateKey_IsARingOfOneKeyWhoseKidIsItsThumbprintAndThatSigns()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = Write("receipt-key.pem", key.ExportECPrivateKeyPem());

        var (ring, ephemeral) = ReceiptKeysLoader.Load(Config(("Gateway:Receipts:KeyRingFile", file)), Environment(Environments.Production), _directory);

        Assert.False(ephemeral);
        var only = Assert.Single(ring.Keys);
        Assert.Same(only, ring.Active);
        Assert.Equal(Rfc7638Thumbprint(key), only.KeyId);
        var checkpoint = new AuditCheckpoint { Tenant = "acme", Replica = "gateway-0", TreeSize = 1, RootHash = new string('0', 64), Time = DateTimeOffset.UtcNow }.Sign(ring.Active);
        Assert.True(AuditCheckpoint.TryVerify(checkpoint, EvidenceKeySet.Parse(ring.ToJwks()), out _, out var verifyError), verifyError);
    }

    // What the chart's `genPrivateKey "ecdsa"` rendered (helm template, charts/gateway secret-receipt-keys.yaml): a test key.
    private const string HelmGeneratedPem = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIP+LcDWjL8omn1qiIpkvyZXFiQCRMYL2Orjt0itP0ft2oAoGCCqGSM49
        AwEHoUQDQgAEMf2xvBOGhvLzEC7Wn2MpI6DAHV6dhgzJAFhHxMt7x0UXGrS0LFq5
        89PI7TJpMlaeJ26mua/IZja04JaQM33iNQ==
        -----END EC PRIVATE KEY-----
        """;

    [Fact]
    public void Load_PemTheChartGenerated_IsARingOfThatKey()
    {
        var file = Write("receipt-key.pem", HelmGeneratedPem + "\n");
        using var expected = ECDsa.Create();
        expected.ImportFromPem(HelmGeneratedPem);

        var (ring, _) = ReceiptKeysLoader.Load(Config(("Gateway:Receipts:KeyRingFile", file)), Environment(Environments.Production), _directory);

        Assert.Equal(Rfc7638Thumbprint(expected), ring.Active.KeyId);
        Assert.DoesNotContain("\"d\"", ring.ToJwks(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemPkcs8P256PrivateKey_LoadsTheSameKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = Write("receipt-key.pem", key.ExportPkcs8PrivateKeyPem());

        var (ring, _) = ReceiptKeysLoader.Load(Config(("Gateway:Receipts:KeyRingFile", file)), Environment(Environments.Production), _directory);

        Assert.Equal(Rfc7638Thumbprint(key), ring.Active.KeyId);
    }

    [Fact]
    public void Load_PemP384Key_RefusesToStartNamingTheFile()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var file = Write("p384.pem", key.ExportECPrivateKeyPem());

        var error = Assert.Throws<InvalidOperationException>(() =>
            ReceiptKeysLoader.Load(Config(("Gateway:Receipts:KeyRingFile", file)), Environment(Environments.Production), _directory));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("not an ECDSA P-256 private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PemPublicKeyOnly_RefusesToStart()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = Write("public.pem", key.ExportSubjectPublicKeyInfoPem());

        var error = Assert.Throws<InvalidOperationException>(() =>
            ReceiptKeysLoader.Load(Config(("Gateway:Receipts:KeyRingFile", file)), Environment(Environments.Production), _directory));

        Assert.Contains("not an ECDSA P-256 private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RingFile_LoadsEveryKey()
    {
        var written = ReceiptKeyRing.Generate(DateTimeOffset.UtcNow).Rotate(DateTimeOffset.UtcNow);
        var file = Path.Combine(_directory, "ring.json");
        Gateway.Store.PrivateFiles.WriteAllText(file, written.ToPrivateJson());

        var (ring, _) = ReceiptKeysLoader.Load(Config(("Gateway:Receipts:KeyRingFile", file)), Environment(Environments.Production), _directory);

        Assert.Equal(written.Keys.Select(static k => k.KeyId), ring.Keys.Select(static k => k.KeyId));
        Assert.Equal(written.Active.KeyId, ring.Active.KeyId);
    }

    // RFC 7638 §3: SHA-256 of {"crv","kty","x","y"} in that order, no whitespace, base64url; written here from the RFC.
    private static string Rfc7638Thumbprint(ECDsa key)
    {
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        var jwk = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(q.X)}}","y":"{{Base64Url.EncodeToString(q.Y)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(jwk)));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static HostingEnvironment Environment(string name) =>
        new() { EnvironmentName = name, ApplicationName = "gateway", ContentRootPath = Path.GetTempPath() };

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
