using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>An HTTPS address with its certificate from configuration (Kestrel's own settings) is served over TLS.</summary>
public sealed class HttpsEndpointTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-https-").FullName;
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;
    private X509Certificate2 _certificate = null!;

    public async Task InitializeAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_directory, "gateway.pfx");
        await File.WriteAllBytesAsync(path, created.Export(X509ContentType.Pfx, "test-password"));
        _certificate = X509CertificateLoader.LoadCertificate(created.Export(X509ContentType.Cert));

        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?>
        {
            ["urls"] = "https://127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Kestrel:Certificates:Default:Path"] = path,
            ["Kestrel:Certificates:Default:Password"] = "test-password",
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Healthz_HttpsAddressWithACertificateFromConfiguration_IsServedOverTls()
    {
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString();
        using var client = new HttpClient(handler) { BaseAddress = _gateway.BaseAddress };

        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(Uri.UriSchemeHttps, _gateway.BaseAddress.Scheme);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }
}
