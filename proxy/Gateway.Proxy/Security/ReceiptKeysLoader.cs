using Gateway.Policy.Evidence;

namespace Gateway.Proxy.Security;

/// <summary>
/// Loads the receipt signing key ring (<see cref="ReceiptKeyRing"/>: ES256 keys that sign decision receipts and audit
/// checkpoints; separate from the gateway's HMAC keys) at start-up from <c>Gateway:Receipts:KeyRingFile</c>, a file
/// <c>gatewayctl keys init</c> wrote (mode 0600, mounted as a secret). A ring that does not parse stops the start. With
/// no file configured, Development keeps a generated ring in <c>.gateway-data/receipt-keys.json</c>; elsewhere the ring
/// is generated in memory and the gateway warns at start: its receipts then verify only against this process's JWKS
/// until it stops (configure the file in production: docs/evidence.md).
/// </summary>
internal static class ReceiptKeysLoader
{
    public const string KeyRingFileKey = "Gateway:Receipts:KeyRingFile";

    public static (ReceiptKeyRing Ring, bool Ephemeral) Load(IConfiguration configuration, IHostEnvironment environment, string dataDirectory)
    {
        var configured = configuration[KeyRingFileKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            try
            {
                return (ReceiptKeyRing.Parse(File.ReadAllText(configured)), false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new InvalidOperationException($"{KeyRingFileKey} '{configured}' is not a usable receipt key ring: {ex.Message}", ex);
            }
        }

        if (!environment.IsDevelopment())
        {
            return (ReceiptKeyRing.Generate(DateTimeOffset.UtcNow), true);
        }

        var path = Path.Combine(dataDirectory, "receipt-keys.json");
        if (File.Exists(path))
        {
            return (ReceiptKeyRing.Parse(File.ReadAllText(path)), false);
        }

        var ring = ReceiptKeyRing.Generate(DateTimeOffset.UtcNow);
        ring.WritePrivateFile(path);
        return (ring, false);
    }
}
