using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Testing;

/// <summary>
/// A self-signed certificate for <c>localhost</c> and <c>127.0.0.1</c> (server and client authentication), written as PEM files
/// (certificate, PKCS#8 key) to a fresh temporary directory that is deleted on dispose.
/// The certificate is its own CA: trust <see cref="CertificatePath"/> to trust the server.
/// </summary>
public sealed class SelfSignedTlsFiles : IDisposable
{
    private SelfSignedTlsFiles(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CertificatePath => Path.Combine(Directory, "server.crt");

    public string KeyPath => Path.Combine(Directory, "server.key");

    public static SelfSignedTlsFiles Create(string subjectName = "localhost")
    {
        var files = new SelfSignedTlsFiles(System.IO.Directory.CreateTempSubdirectory("gateway-tls-").FullName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subjectName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: false));
        // Server and client authentication: Redis Cluster nodes present it to each other on the cluster bus, and check it.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(subjectName);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
