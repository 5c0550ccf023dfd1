using System.Net;
using System.Security.Cryptography;
using Gateway.Connectors.Vault;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Cli.Tests;

/// <summary>
/// A data-key rotation carried through with <c>gatewayctl credentials reencrypt</c> against the real gateway and its vault:
/// a credential and a delegated child's secret sealed under the old key are sealed under the new one, and open under the new
/// key alone (the child still authenticates once the old key is removed from the ring).
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
            var (child, secret) = await gw.DelegateWithSecretAsync("""{"name":"researcher","permissions":[{"tool":"crm.read_contact"}]}""");

            gw = await gw.RestartAsync(configuration: new Dictionary<string, string?> { ["DATA_ENCRYPTION_KEY"] = NewKey, ["DATA_ENCRYPTION_KEYS_RETIRED"] = OldKey });
            Assert.Equal("old", await KeyIdAsync(gw));

            var reencrypt = await gw.RunAsync(DemoGateway.AdminToken, "credentials", "reencrypt", "--tenant", DemoGateway.Tenant);
            var again = await gw.RunAsync(DemoGateway.AdminToken, "credentials", "reencrypt", "--tenant", DemoGateway.Tenant);

            Assert.True(reencrypt.ExitCode == 0, reencrypt.Error);
            Assert.Contains("re-encrypted under the active key: 2 (already current: 0, unreadable: 0, changed meanwhile: 0)", reencrypt.Out, StringComparison.Ordinal);
            Assert.Contains("credentials: re-encrypted 1,", reencrypt.Out, StringComparison.Ordinal);
            Assert.Contains("delegation_secrets: re-encrypted 1,", reencrypt.Out, StringComparison.Ordinal);
            Assert.Contains($"No record of tenant {DemoGateway.Tenant} is sealed under a retired key.", reencrypt.Out, StringComparison.Ordinal);
            Assert.Contains("re-encrypted under the active key: 0 (already current: 2,", again.Out, StringComparison.Ordinal);
            Assert.Equal("new", await KeyIdAsync(gw));

            // The old key can go: what the store holds opens under the new key alone, and the child still authenticates.
            gw = await gw.RestartAsync(configuration: new Dictionary<string, string?> { ["DATA_ENCRYPTION_KEYS_RETIRED"] = null });
            var record = await gw.Services.GetRequiredService<ICredentialRecordStore>().GetAsync(DemoGateway.Tenant, "crm-key");
            var newOnly = new EncryptionKeyRing(DataEncryptionKey.Parse(NewKey));
            Assert.Equal("s3cr3t-value", CredentialEnvelope.DecryptString(newOnly, record!.Envelope!, CredentialEnvelope.CredentialContext(DemoGateway.Tenant, "crm-key")));
            Assert.Equal(HttpStatusCode.OK, await gw.EvaluateAsChildAsync(child, secret, """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""));
        }
        finally
        {
            await gw.DisposeAsync();
        }
    }

    private static async Task<string?> KeyIdAsync(DemoGateway gw) =>
        (await gw.Services.GetRequiredService<CredentialVault>().ListAsync(DemoGateway.Tenant)).Single(c => c.Name == "crm-key").KeyId;
}
