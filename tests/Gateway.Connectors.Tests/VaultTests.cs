using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Testing;

namespace Gateway.Connectors.Tests;

public sealed class VaultTests
{
    private static EncryptionKeyRing Ring() => new(DataEncryptionKey.Generate());

    [Fact]
    public void Envelope_RoundTrip_ReturnsPlaintextWithFreshIvEachTime()
    {
        var ring = Ring();
        var context = CredentialEnvelope.CredentialContext("acme", "openai");
        var first = CredentialEnvelope.Encrypt(ring, "sk-secret-value", context);
        var second = CredentialEnvelope.Encrypt(ring, "sk-secret-value", context);

        Assert.StartsWith("gwenc:v1:" + ring.ActiveKeyId + ":", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.DoesNotContain("sk-secret-value", first, StringComparison.Ordinal);
        Assert.Equal("sk-secret-value", CredentialEnvelope.DecryptString(ring, first, context));
        Assert.Equal("sk-secret-value", CredentialEnvelope.DecryptString(ring, second, context));
    }

    public static TheoryData<string> TamperRegions => new() { "iv", "ciphertext", "tag" };

    [Theory]
    [MemberData(nameof(TamperRegions))]
    public void Envelope_ByteFlipped_Fails(string region)
    {
        var ring = Ring();
        var context = CredentialEnvelope.CredentialContext("acme", "openai");
        var envelope = CredentialEnvelope.Encrypt(ring, "a-credential-of-some-length", context);
        var prefix = envelope[..(envelope.LastIndexOf(':') + 1)];
        var payload = System.Buffers.Text.Base64Url.DecodeFromChars(envelope.AsSpan(prefix.Length));
        var index = region switch { "iv" => 3, "ciphertext" => 12 + 5, _ => payload.Length - 2 };
        payload[index] ^= 0x01;
        var tampered = prefix + System.Buffers.Text.Base64Url.EncodeToString(payload);

        var ex = Assert.Throws<CryptographicException>(() => CredentialEnvelope.Decrypt(ring, tampered, context));
        Assert.DoesNotContain(envelope[prefix.Length..], ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_KeyIdChanged_Fails()
    {
        var a = DataEncryptionKey.Generate("a1");
        var b = DataEncryptionKey.Generate("b1");
        var ring = new EncryptionKeyRing(a, [b]);
        var context = CredentialEnvelope.CredentialContext("acme", "x");
        var envelope = CredentialEnvelope.Encrypt(ring, "value", context);

        Assert.Throws<CryptographicException>(() => CredentialEnvelope.Decrypt(ring, envelope.Replace(":a1:", ":b1:", StringComparison.Ordinal), context));
        Assert.Throws<CryptographicException>(() => CredentialEnvelope.Decrypt(ring, envelope.Replace(":a1:", ":zz:", StringComparison.Ordinal), context));
        Assert.Throws<CryptographicException>(() => CredentialEnvelope.Decrypt(ring, "gwenc:v2:a1:" + envelope[12..], context));
    }

    [Theory]
    [InlineData("other-tenant", "openai")]
    [InlineData("acme", "anthropic")]
    [InlineData("acm", "eopenai")]
    public void Envelope_MovedToAnotherTenantOrName_Fails(string tenant, string name)
    {
        var ring = Ring();
        var envelope = CredentialEnvelope.Encrypt(ring, "value", CredentialEnvelope.CredentialContext("acme", "openai"));

        Assert.Throws<CryptographicException>(() => CredentialEnvelope.Decrypt(ring, envelope, CredentialEnvelope.CredentialContext(tenant, name)));
    }

    [Fact]
    public async Task Vault_EnvelopeCopiedToAnotherName_DoesNotResolve()
    {
        var store = new MemoryCredentialRecords();
        var vault = new CredentialVault(store, Ring());
        await vault.PutAsync("acme", "openai", "sk-real");
        await vault.PutAsync("acme", "other", "placeholder");
        var record = await store.GetAsync("acme", "openai");
        var other = await store.GetAsync("acme", "other");
        Assert.True(await store.ReplaceAsync("acme", other, other! with { Envelope = record!.Envelope }));

        await Assert.ThrowsAsync<Credentials.CredentialUnavailableException>(async () => await vault.ResolveAsync("acme", "other"));
        await Assert.ThrowsAsync<Credentials.CredentialUnavailableException>(async () => await vault.ResolveAsync("globex", "openai"));
    }

    [Fact]
    public async Task Vault_PutRotateRevoke_VersionsAndResolution()
    {
        var time = new ManualTimeProvider();
        var vault = new CredentialVault(new MemoryCredentialRecords(), Ring(), time);

        var created = await vault.PutAsync("acme", "openai", "v1-secret");
        time.Advance(TimeSpan.FromMinutes(1));
        var rotated = await vault.RotateAsync("acme", "openai", "v2-secret");

        Assert.Equal(1, created.Version);
        Assert.Equal(2, rotated.Version);
        Assert.Equal(created.CreatedAt, rotated.CreatedAt);
        Assert.True(rotated.UpdatedAt > created.UpdatedAt);
        Assert.Equal("v2-secret", (await vault.ResolveAsync("acme", "openai")).Value);

        Assert.True(await vault.RevokeAsync("acme", "openai"));
        Assert.False(await vault.RevokeAsync("acme", "openai"));
        await Assert.ThrowsAsync<Credentials.CredentialUnavailableException>(async () => await vault.ResolveAsync("acme", "openai"));
        await Assert.ThrowsAsync<CredentialNotFoundException>(async () => await vault.RotateAsync("acme", "openai", "v3"));

        var again = await vault.PutAsync("acme", "openai", "v3-secret");
        Assert.Equal(3, again.Version);
        Assert.True(again.IsActive);
    }

    [Fact]
    public async Task Vault_List_ShowsNamesVersionsNeverValues()
    {
        var vault = new CredentialVault(new MemoryCredentialRecords(), Ring());
        await vault.PutAsync("acme", "openai", "sk-proj-VALUE-ONE-1234567890");
        await vault.PutAsync("acme", "github", "ghp_VALUETWO");
        await vault.RevokeAsync("acme", "github");
        await vault.PutAsync("globex", "openai", "other-tenant-value");

        var list = await vault.ListAsync("acme");
        var json = JsonSerializer.Serialize(list);

        Assert.Equal(["github", "openai"], list.Select(i => i.Name));
        Assert.False(list[0].IsActive);
        Assert.True(list[1].IsActive);
        Assert.DoesNotContain("VALUE", json, StringComparison.Ordinal);
        Assert.DoesNotContain("gwenc", json, StringComparison.Ordinal);
        Assert.DoesNotContain(typeof(CredentialInfo).GetProperties(), p => p.Name.Contains("Value", StringComparison.Ordinal) || p.Name.Contains("Envelope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Vault_KeyRotation_OldKeyStillDecryptsAndReencryptMovesToNewKey()
    {
        var oldKey = DataEncryptionKey.Generate("old");
        var store = new MemoryCredentialRecords();
        await new CredentialVault(store, new EncryptionKeyRing(oldKey)).PutAsync("acme", "openai", "secret-1");

        var rotatedRing = new EncryptionKeyRing(DataEncryptionKey.Generate("new"), [oldKey]);
        var vault = new CredentialVault(store, rotatedRing);
        Assert.Equal("secret-1", (await vault.ResolveAsync("acme", "openai")).Value);
        Assert.Equal("old", (await vault.ListAsync("acme"))[0].KeyId);

        Assert.Equal(1, await vault.ReencryptAsync("acme"));
        var info = (await vault.ListAsync("acme"))[0];
        Assert.Equal("new", info.KeyId);
        Assert.Equal(1, info.Version);

        var newOnly = new CredentialVault(store, new EncryptionKeyRing(DataEncryptionKey.Generate("new2")));
        await Assert.ThrowsAsync<Credentials.CredentialUnavailableException>(async () => await newOnly.ResolveAsync("acme", "openai"));
        Assert.Equal("secret-1", (await new CredentialVault(store, new EncryptionKeyRing(rotatedRing.Active)).ResolveAsync("acme", "openai")).Value);
    }

    [Fact]
    public async Task ReencryptAsync_ACredentialThatDoesNotOpen_IsLeftAsItIsAndTheOthersAreSealedAgain()
    {
        var oldKey = DataEncryptionKey.Generate("old");
        var store = new MemoryCredentialRecords();
        await new CredentialVault(store, new EncryptionKeyRing(DataEncryptionKey.Generate("lost"))).PutAsync("acme", "github", "secret-lost");
        await new CredentialVault(store, new EncryptionKeyRing(oldKey)).PutAsync("acme", "openai", "secret-1");
        var lost = (await store.GetAsync("acme", "github"))!.Envelope;

        var vault = new CredentialVault(store, new EncryptionKeyRing(DataEncryptionKey.Generate("new"), [oldKey]));
        var reencrypted = await vault.ReencryptAsync("acme");

        Assert.Equal(1, reencrypted);
        Assert.Equal(["lost", "new"], (await vault.ListAsync("acme")).Select(i => i.KeyId));
        Assert.Equal(lost, (await store.GetAsync("acme", "github"))!.Envelope);
    }

    [Fact]
    public void SelfTest_GoodKey_Passes() => EncryptionSelfTest.Run(Ring());

    [Theory]
    [InlineData(32, "base64")]
    [InlineData(32, "base64url")]
    [InlineData(32, "hex")]
    public void DataEncryptionKey_Parse_AcceptsBase64AndHexOf32Bytes(int length, string format)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        var text = format switch
        {
            "base64" => Convert.ToBase64String(bytes),
            "base64url" => System.Buffers.Text.Base64Url.EncodeToString(bytes),
            _ => Convert.ToHexString(bytes),
        };

        var key = DataEncryptionKey.Parse(text);

        Assert.True(key.KeyEquals(bytes));
        Assert.Equal(DataEncryptionKey.Parse(text).KeyId, key.KeyId);
        Assert.Equal("named", DataEncryptionKey.Parse("named:" + text).KeyId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key at all !!")]
    [InlineData("c2hvcnQ=")]
    [InlineData("00112233445566778899aabbccddeeff")]
    public void DataEncryptionKey_Parse_RejectsOtherInputWithoutEchoingIt(string text)
    {
        var ex = Assert.Throws<FormatException>(() => DataEncryptionKey.Parse(text));
        Assert.Contains("32", ex.Message, StringComparison.Ordinal);
        if (text.Length > 0)
        {
            Assert.DoesNotContain(text, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DataEncryptionKey_Parse_Rejects48Bytes() =>
        Assert.Throws<FormatException>(() => DataEncryptionKey.Parse(Convert.ToBase64String(RandomNumberGenerator.GetBytes(48))));

    [Fact]
    public void KeyRing_FromEnvironment_ReadsActiveAndRetired()
    {
        var active = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var retired = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var env = new Dictionary<string, string?> { ["DATA_ENCRYPTION_KEY"] = active, ["DATA_ENCRYPTION_KEYS_RETIRED"] = "r1:" + retired };

        var ring = EncryptionKeyRing.FromEnvironment(name => env.GetValueOrDefault(name));

        Assert.Equal(DataEncryptionKey.Parse(active).KeyId, ring.ActiveKeyId);
        Assert.Contains("r1", ring.KeyIds);
        Assert.Throws<InvalidOperationException>(() => EncryptionKeyRing.FromEnvironment(_ => null));
    }

    [Fact]
    public void KeySeparation_RetiredDataKeyEqualToTheSigningKey_Refused()
    {
        var signing = RandomNumberGenerator.GetBytes(32);
        var ring = new EncryptionKeyRing(DataEncryptionKey.FromBytes(RandomNumberGenerator.GetBytes(32), "k2"), [DataEncryptionKey.FromBytes(signing, "k1")]);

        var ex = Assert.Throws<InvalidOperationException>(() => KeySeparationCheck.Ensure(ring, signing.ToArray(), RandomNumberGenerator.GetBytes(32)));

        Assert.Contains("the decision signing key and the retired data key 'k1'", ex.Message, StringComparison.Ordinal);
        KeySeparationCheck.Ensure(ring, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }

    [Fact]
    public void KeySeparation_EqualKeys_Refused()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        var dataKey = DataEncryptionKey.FromBytes(bytes);

        var ex = Assert.Throws<InvalidOperationException>(() => KeySeparationCheck.Ensure(dataKey, bytes.ToArray(), RandomNumberGenerator.GetBytes(32)));
        Assert.Contains("DATA_ENCRYPTION_KEY and the decision signing key", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(bytes), ex.Message, StringComparison.Ordinal);

        var signing = RandomNumberGenerator.GetBytes(32);
        Assert.Throws<InvalidOperationException>(() => KeySeparationCheck.Ensure(dataKey, signing, signing.ToArray()));
        Assert.Throws<InvalidOperationException>(() => KeySeparationCheck.Ensure(dataKey, Array.Empty<byte>(), signing));
        KeySeparationCheck.Ensure(dataKey, signing, RandomNumberGenerator.GetBytes(32));
        KeySeparationCheck.Ensure(dataKey, Encoding.UTF8.GetBytes("decision"), Encoding.UTF8.GetBytes("service-key"));
    }
}
