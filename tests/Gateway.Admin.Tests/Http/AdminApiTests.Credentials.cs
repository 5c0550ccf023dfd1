using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Connectors.Tests;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using CredentialInfo = Gateway.Oversight.Credentials.CredentialInfo;
using VaultCredentialInfo = Gateway.Connectors.Vault.CredentialInfo;

namespace Gateway.Admin.Tests.Http;

public sealed partial class AdminApiTests
{
    [Theory]
    [InlineData("PUT", "")]
    [InlineData("POST", "/rotate")]
    [InlineData("DELETE", "")]
    public async Task Credentials_AnotherWriteLandsFirstEveryTime_Is409WriteConflictAndTheOtherWriteStays(string method, string suffix)
    {
        var store = new InMemoryStateStore();
        var records = new StateStoreCredentialStore(store);
        var ring = new EncryptionKeyRing(DataEncryptionKey.Generate());
        var other = new CredentialVault(records, ring);
        await other.PutAsync(_tenant, "crm-key", "other-value-0");
        var rotations = 0;
        CredentialRecord? otherWrite = null;
        var vault = new CredentialVault(new RivalWriterRecords(records, async () =>
        {
            await other.RotateAsync(_tenant, "crm-key", $"other-value-{++rotations}");
            otherWrite = await records.GetAsync(_tenant, "crm-key");
        }), ring);
        await using var host = await AdminTestHost.StartAsync(store, s => s.AddSingleton<ICredentialAdmin>(new VaultAdmin(vault)));
        host.Register.Add(_tenant, approvers: ["alice"]);
        using var admin = host.Client(AdminTestServices.BootstrapToken);
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/admin/v1/tenants/{_tenant}/credentials/crm-key{suffix}");
        if (method != "DELETE")
        {
            request.Content = JsonContent.Create(new { value = "my-value-never-stored" });
        }

        using var response = await admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal("credential_write_conflict", body.GetProperty("code").GetString());
        Assert.Contains("retry", body.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("-value-", text, StringComparison.Ordinal);
        var stored = await records.GetAsync(_tenant, "crm-key");
        Assert.True(rotations > 1, $"{rotations} writes of the other writer");
        Assert.True(otherWrite!.IsSameWrite(stored), $"stored {stored}, the other writer's last {otherWrite}");
        Assert.Null(stored!.RevokedAt);
        Assert.Empty(await host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10));
    }

    /// <summary>The admin API's credential operations over a real vault, adapted as the gateway's host adapts it.</summary>
    private sealed class VaultAdmin(CredentialVault vault) : ICredentialAdmin
    {
        public async ValueTask<CredentialInfo> PutAsync(string tenant, string name, string value, CancellationToken cancellationToken = default) =>
            Map(await vault.PutAsync(tenant, name, value, cancellationToken));

        public async ValueTask<CredentialInfo?> RotateAsync(string tenant, string name, string newValue, CancellationToken cancellationToken = default)
        {
            try
            {
                return Map(await vault.RotateAsync(tenant, name, newValue, cancellationToken));
            }
            catch (CredentialNotFoundException)
            {
                return null;
            }
        }

        public ValueTask<bool> RevokeAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
            vault.RevokeAsync(tenant, name, cancellationToken);

        public ValueTask<SealedReencryption> ReencryptAsync(string tenant, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Not used by these tests.");

        public async ValueTask<IReadOnlyList<CredentialInfo>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
            [.. (await vault.ListAsync(tenant, cancellationToken)).Select(Map)];

        private static CredentialInfo Map(VaultCredentialInfo info) =>
            new() { Name = info.Name, Version = info.Version, CreatedAt = info.CreatedAt, UpdatedAt = info.UpdatedAt, Revoked = !info.IsActive };
    }
}
