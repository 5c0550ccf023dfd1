using Gateway.Connectors.Vault;
using Gateway.Oversight.Admin;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;
using Gateway.Store.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts the gateway's records (approvals, incidents, vault credentials, admin tokens) on PostgreSQL.</summary>
public static class PostgresRecordsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL foundation (<see cref="PostgresServiceCollectionExtensions.AddGatewayPostgres"/>)
    /// and replaces whatever <see cref="IApprovalStore"/>, <see cref="IIncidentStore"/>, <see cref="IAdminTokenStore"/>
    /// and <see cref="ICredentialRecordStore"/> were registered (before or after this call, since the
    /// oversight and connector registrations only add theirs when none is there) with the PostgreSQL ones.
    /// </summary>
    public static IServiceCollection AddGatewayPostgresRecords(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddGatewayPostgres(configuration);
        services.Replace(ServiceDescriptor.Singleton<IApprovalStore>(static sp => new PostgresApprovalStore(sp.GetRequiredService<PostgresDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IIncidentStore>(static sp => new PostgresIncidentStore(sp.GetRequiredService<PostgresDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAdminTokenStore>(static sp => new PostgresAdminTokenStore(sp.GetRequiredService<PostgresDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<ICredentialRecordStore>(static sp => new PostgresCredentialStore(sp.GetRequiredService<PostgresDatabase>())));
        return services;
    }
}
