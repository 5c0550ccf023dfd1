using Gateway.Admin;
using Gateway.Oversight.Credentials;
using Gateway.Connectors;
using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Records.Tests.Postgres;

/// <summary>What the gateway's registrations resolve: PostgreSQL record stores exactly when PostgreSQL is configured.</summary>
public sealed class PostgresRecordWiringTests
{
    [Fact]
    public async Task AddGatewayOversightAdminAndConnectors_PostgresConfigured_ResolveThePostgresRecordStores()
    {
        var configuration = Configuration(new Dictionary<string, string?>
        {
            ["Gateway:Store:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=unused;Username=postgres",
        });
        var services = new ServiceCollection().AddLogging();
        services.AddGatewayPostgres(configuration);
        services.AddGatewayConnectors(options => options.CredentialRecords = CredentialRecordStores.ForHost(filePath: null));
        services.AddGatewayOversight(configuration, _ => TestOversight.Keys);
        services.AddGatewayAdmin(configuration);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<PostgresApprovalStore>(provider.GetRequiredService<IApprovalStore>());
        Assert.IsType<PostgresIncidentStore>(provider.GetRequiredService<IIncidentStore>());
        Assert.IsType<PostgresAdminTokenStore>(provider.GetRequiredService<IAdminTokenStore>());
        Assert.IsType<PostgresCredentialStore>(provider.GetRequiredService<ICredentialRecordStore>());
    }

    [Fact]
    public void AddGatewayOversightAdminAndConnectors_NoPostgres_KeepTheStateStoreRecordStores()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IStateStore>(new InMemoryStateStore());
        services.AddGatewayConnectors(options => options.CredentialRecords = CredentialRecordStores.ForHost(filePath: null));
        services.AddGatewayOversight(Configuration([]), _ => TestOversight.Keys);
        services.AddGatewayAdmin(Configuration([]));
        using var provider = services.BuildServiceProvider();

        Assert.IsType<StateStoreApprovalStore>(provider.GetRequiredService<IApprovalStore>());
        Assert.IsType<StateStoreIncidentStore>(provider.GetRequiredService<IIncidentStore>());
        Assert.IsType<StateStoreAdminTokenStore>(provider.GetRequiredService<IAdminTokenStore>());
        Assert.IsType<StateStoreCredentialStore>(provider.GetRequiredService<ICredentialRecordStore>());
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
