using System.Security.Cryptography;
using Gateway.Connectors.Vault;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Cli.Tests;

/// <summary>
/// A data-key rotation carried through with <c>gatewayctl credentials reencrypt</c> against the real gateway and its vault:
/// a credential sealed under the old key is sealed under the new one, and opens under the new key alone.
/// </summary>
public sealed class CredentialsReencryptJourneyTests
{
    private static readonly string OldKey = "old:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = "new:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task CredentialsReencrypt_AfterADataKeyRotation_SealsUnderTheNewKeySoTheOldOneCanBeRemoved()
    {
        var gw = await DemoGateway.StartAsync(configuration: new Dictionary<string, string?> { ["DATA_ENCRYPTION_KEY"] = OldKey });
        try
        {
            var put = await gw.RunWithStdinAsync(DemoGateway.AdminToken, "s3cr3t-value\n", "credentials", "put", "crm-key", "--tenant", DemoGateway.Tenant);
            Assert.True(put.ExitCode == 0, put.Error);

            gw = await gw.RestartAsync(configuration: new Dictionary<string, string?> { ["DATA_ENCRYPTION_KEY"] = NewKey, ["DATA_ENCRYPTION_KEYS_RETIRED"] = OldKey });
            Assert.Equal("old", await KeyIdAsync(gw));

            var reencrypt = await gw.RunAsync(DemoGateway.AdminToken, "credentials", "reencrypt", "--tenant", DemoGateway.Tenant);
            var again = await gw.RunAsync(DemoGateway.AdminToken, "credentials", "reencrypt", "--tenant", DemoGateway.Tenant);

            Assert.True(reencrypt.ExitCode == 0, reencrypt.Error);
            Assert.Contains("re-encrypted under the active key: 1", reencrypt.Out, StringComparison.Ordinal);
            Assert.Contains("re-encrypted under the active key: 0", again.Out, StringComparison.Ordinal);
            Assert.Equal("new", await KeyIdAsync(gw));

            // The old key can go: what the store holds opens under the new key alone.
            var record = await gw.Services.GetRequiredService<ICredentialRecordStore>().GetAsync(DemoGateway.Tenant, "crm-key");
            var newOnly = new EncryptionKeyRing(DataEncryptionKey.Parse(NewKey));
            Assert.Equal("s3cr3t-value", CredentialEnvelope.DecryptString(newOnly, record!.Envelope!, CredentialEnvelope.CredentialContext(DemoGateway.Tenant, "crm-key")));
        }
        finally
        {
            await gw.DisposeAsync();
        }
    }

    private static async Task<string?> KeyIdAsync(DemoGateway gw) =>
        (await gw.Services.GetRequiredService<CredentialVault>().ListAsync(DemoGateway.Tenant)).Single(c => c.Name == "crm-key").KeyId;
}
