using Gateway.Policy.Evidence;
using Gateway.Proxy.Configuration;

namespace Gateway.Proxy.Security;

/// <summary>
/// Loads the receipt signing key ring (<see cref="ReceiptKeyRing"/>: ES256 keys that sign decision receipts and audit
/// checkpoints; separate from the gateway's HMAC keys) at start-up from <c>Gateway:Receipts:KeyRingFile</c>: a ring file
/// <c>gatewayctl keys init</c> wrote, or a PEM ECDSA P-256 private key (one active key; the chart generates one), mounted
/// as a secret. A file that does not parse stops the start. With no file configured, Development keeps a generated ring
/// in <c>.gateway-data/receipt-keys.json</c>; elsewhere the gateway refuses to start (receipts and checkpoints signed by
/// a key that dies with the process prove nothing later), unless <c>Gateway:Receipts:AllowEphemeralKeys</c> is true:
/// then the ring is generated in memory and the gateway warns at start (docs/evidence.md).
/// </summary>
internal static class ReceiptKeysLoader
{
    public const string KeyRingFileKey = "Gateway:Receipts:KeyRingFile";

    public const string AllowEphemeralKeysKey = "Gateway:Receipts:AllowEphemeralKeys";

    public static (ReceiptKeyRing Ring, bool Ephemeral) Load(IConfiguration configuration, IHostEnvironment environment, string dataDirectory)
    {
        var options = StartupOptions.Read(configuration, ReceiptKeyOptions.SectionName, new ReceiptKeyOptionsValidator());
        var allowEphemeral = options.EphemeralKeysAllowed;
        var configured = options.KeyRingFile;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            try
            {
                var text = File.ReadAllText(configured);
                return (text.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal)
                    ? ReceiptKeyRing.FromPem(text, File.GetLastWriteTimeUtc(configured))
                    : ReceiptKeyRing.Parse(text), false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new InvalidOperationException($"{KeyRingFileKey} '{configured}' is not a usable receipt key ring (a file from 'gatewayctl keys init' or a PEM ECDSA P-256 private key): {ex.Message}", ex);
            }
        }

        if (!environment.IsDevelopment())
        {
            return allowEphemeral
                ? (ReceiptKeyRing.Generate(DateTimeOffset.UtcNow), true)
                : throw new InvalidOperationException(
                    $"No receipt signing keys: set {KeyRingFileKey} to a ring written by 'gatewayctl keys init' or to a PEM ECDSA P-256 private key "
                    + $"(the Helm chart provisions one: receiptKeys in values.yaml). Receipts and checkpoints signed with keys generated for one process "
                    + $"cannot be verified once it stops; to run so anyway (a trial), set {AllowEphemeralKeysKey}=true (docs/evidence.md).");
        }

        var path = Path.Combine(dataDirectory, "receipt-keys.json");
        if (File.Exists(path))
        {
            return (ReceiptKeyRing.Parse(File.ReadAllText(path)), false);
        }

        var ring = ReceiptKeyRing.Generate(DateTimeOffset.UtcNow);
        Gateway.Store.PrivateFiles.WriteAllText(path, ring.ToPrivateJson());
        return (ring, false);
    }
}
