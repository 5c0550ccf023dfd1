using System.Security.Cryptography;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;

namespace Gateway.Connectors.Tests;

/// <summary>
/// The two-phase data-key rotation of docs/operations.md: a retired key decrypts whatever it sealed, newer than the active
/// key or not, so pods that hold the next key only as retired open what pods with it active seal, and the other way round.
/// </summary>
public sealed class DataKeyRotationTests
{
    [Fact]
    public async Task Rotation_NextKeyRetiredOnTheOldPods_OpensWhatTheNewPodsSeal()
    {
        var (current, next) = (DataEncryptionKey.Generate("k1"), DataEncryptionKey.Generate("k2"));
        var store = new MemoryCredentialRecords();
        // Phase 1 rolled: every pod holds the next key, retired (decrypt-only). Phase 2 rolling: k2 active on the new pods.
        var oldPod = new CredentialVault(store, new EncryptionKeyRing(current, [next]));
        var newPod = new CredentialVault(store, new EncryptionKeyRing(next, [current]));

        await oldPod.PutAsync("acme", "openai", "sealed-by-an-old-pod");
        await newPod.PutAsync("acme", "github", "sealed-by-a-new-pod");

        Assert.Equal("k2", CredentialEnvelope.GetKeyId((await store.GetAsync("acme", "github"))!.Envelope!));
        Assert.Equal("sealed-by-a-new-pod", (await oldPod.ResolveAsync("acme", "github")).Value);
        Assert.Equal("sealed-by-an-old-pod", (await newPod.ResolveAsync("acme", "openai")).Value);
    }

    [Fact]
    public async Task Rotation_NextKeyNotYetOnTheOldPods_CannotOpenWhatTheNewPodsSeal()
    {
        var (current, next) = (DataEncryptionKey.Generate("k1"), DataEncryptionKey.Generate("k2"));
        var store = new MemoryCredentialRecords();
        // A one-step rotation: the new pods seal under k2 while the old pods know k1 only.
        await new CredentialVault(store, new EncryptionKeyRing(next, [current])).PutAsync("acme", "github", "sealed-by-a-new-pod");

        var oldPod = new CredentialVault(store, new EncryptionKeyRing(current));

        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await oldPod.ResolveAsync("acme", "github"));
    }

    [Fact]
    public void FromEnvironment_RetiredKeyNewerThanTheActive_DecryptsButNeverSeals()
    {
        var next = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var phase1 = new Dictionary<string, string?>
        {
            ["DATA_ENCRYPTION_KEY"] = "k1:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DATA_ENCRYPTION_KEYS_RETIRED"] = "k2:" + next,
        };
        var oldPod = EncryptionKeyRing.FromEnvironment(name => phase1.GetValueOrDefault(name));
        var newPod = new EncryptionKeyRing(DataEncryptionKey.Parse("k2:" + next));
        var context = CredentialEnvelope.CredentialContext("acme", "openai");

        Assert.Equal("k1", oldPod.ActiveKeyId);
        Assert.StartsWith("gwenc:v1:k1:", CredentialEnvelope.Encrypt(oldPod, "value", context), StringComparison.Ordinal);
        Assert.Equal("value", CredentialEnvelope.DecryptString(oldPod, CredentialEnvelope.Encrypt(newPod, "value", context), context));
    }

    [Fact]
    public void FromEnvironment_NextKeyLeftInTheRetiredListWhenMadeActive_Refused()
    {
        var next = "k2:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var env = new Dictionary<string, string?> { ["DATA_ENCRYPTION_KEY"] = next, ["DATA_ENCRYPTION_KEYS_RETIRED"] = next };

        var ex = Assert.Throws<ArgumentException>(() => EncryptionKeyRing.FromEnvironment(name => env.GetValueOrDefault(name)));

        Assert.Contains("share one key id", ex.Message, StringComparison.Ordinal);
    }
}
