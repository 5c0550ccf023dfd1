namespace Gateway.Policy;

/// <summary>
/// A public key an agent signs its requests with (RFC 9421), as registered in the bundle: its algorithm, the key id
/// its signatures name (<c>keyid</c>), and the key as a DER SubjectPublicKeyInfo, whichever form the bundle wrote it in.
/// Public: nothing here is secret.
/// </summary>
public sealed record AgentPublicKey(PublicKeyAlgorithm Algorithm, string KeyId, ReadOnlyMemory<byte> SubjectPublicKeyInfo)
{
    public override string ToString() => $"{WireNames.Of(Algorithm)} key '{KeyId}'";
}
