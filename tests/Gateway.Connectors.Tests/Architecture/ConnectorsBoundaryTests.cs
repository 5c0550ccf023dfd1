using Gateway.Connectors.Vault;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Connectors.Tests.Architecture;

/// <summary>
/// The connectors library depends on no store project: the vault's record store (PostgreSQL, the state store, the
/// embedded file) is the host's, handed in through <see cref="GatewayConnectorsOptions.CredentialRecords"/>.
/// </summary>
public sealed class ConnectorsBoundaryTests
{
    [Fact]
    public void ConnectorsAssembly_ReferencesNoStoreProject()
    {
        var referenced = typeof(CredentialVault).Assembly.GetReferencedAssemblies().Select(static name => name.Name).ToArray();

        Assert.DoesNotContain(referenced, static name => name is "Gateway.Store" or "Gateway.Store.Postgres" or "Npgsql" or "StackExchange.Redis");
    }

    [Fact]
    public async Task AddGatewayConnectors_HostSuppliesCredentialRecords_ResolvesTheHostsStore()
    {
        var hosts = new MemoryCredentialRecords();
        var services = new ServiceCollection();
        services.AddGatewayConnectors(options => options.CredentialRecords = _ => hosts);
        await using var provider = services.BuildServiceProvider();

        Assert.Same(hosts, provider.GetRequiredService<ICredentialRecordStore>());
    }

    [Fact]
    public void AddGatewayConnectors_NoCredentialRecords_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddGatewayConnectors());

        Assert.Contains("CredentialRecords", error.Message, StringComparison.Ordinal);
    }
}
