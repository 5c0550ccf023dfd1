using Gateway.Connectors.Vault;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Connectors.Tests.Architecture;

/// <summary>
/// The connectors library depends on no store implementation: a system-of-record store for the vault's records
/// (PostgreSQL) is the host's, handed in through <see cref="GatewayConnectorsOptions.CredentialRecords"/>.
/// </summary>
public sealed class ConnectorsBoundaryTests
{
    [Fact]
    public void ConnectorsAssembly_ReferencesNoStoreImplementation()
    {
        var referenced = typeof(CredentialVault).Assembly.GetReferencedAssemblies().Select(static name => name.Name).ToArray();

        Assert.DoesNotContain(referenced, static name => name is "Gateway.Store.Postgres" or "Npgsql");
    }

    [Fact]
    public async Task AddGatewayConnectors_HostSuppliesCredentialRecords_ResolvesTheHostsStore()
    {
        var hosts = new FileCredentialStore(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json"));
        var services = new ServiceCollection();
        services.AddGatewayConnectors(options =>
        {
            options.CredentialFilePath = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
            options.CredentialRecords = _ => hosts;
        });
        await using var provider = services.BuildServiceProvider();

        Assert.Same(hosts, provider.GetRequiredService<ICredentialRecordStore>());
    }
}
