namespace Gateway.Proxy.Security;

/// <summary>
/// The receipt signing keys' source (section <c>Gateway:Receipts</c>, docs/evidence.md): read before the container exists
/// by <see cref="ReceiptKeysLoader"/>, validated by <see cref="ReceiptKeyOptionsValidator"/>.
/// </summary>
public sealed class ReceiptKeyOptions
{
    public const string SectionName = "Gateway:Receipts";

    /// <summary><c>Gateway:Receipts:KeyRingFile</c>: a ring file from <c>gatewayctl keys init</c> or a PEM ECDSA P-256 private key.</summary>
    public string? KeyRingFile { get; set; }

    /// <summary><c>Gateway:Receipts:AllowEphemeralKeys</c>: <c>true</c> or <c>false</c> (the text, so that anything else is refused by name).</summary>
    public string? AllowEphemeralKeys { get; set; }

    /// <summary>True when <see cref="AllowEphemeralKeys"/> is <c>true</c>.</summary>
    public bool EphemeralKeysAllowed => bool.TryParse(AllowEphemeralKeys, out var allowed) && allowed;
}
