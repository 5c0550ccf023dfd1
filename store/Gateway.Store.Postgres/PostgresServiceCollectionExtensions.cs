using Gateway.Store.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL system of record.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PostgresDatabase"/> (one data source per process) from
    /// <c>Gateway:Store:Postgres</c> (<see cref="PostgresStoreOptions"/>, validated at start-up with every
    /// error listed), the <see cref="PostgresMigrator"/>, the start-up schema step and the
    /// <c>postgres</c> health check tagged <c>ready</c>, and the upkeep of the audit journal's partitions ahead (after the schema step). Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddGatewayPostgres(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(static d => d.ServiceType == typeof(PostgresDatabase)))
        {
            return services;
        }

        services.AddOptions<PostgresStoreOptions>()
            .Bind(configuration.GetSection(PostgresStoreOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresStoreOptions>, PostgresStoreOptionsValidator>());
        services.AddSingleton(static sp => PostgresDatabase.Create(
            sp.GetRequiredService<IOptions<PostgresStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>()));
        services.AddSingleton(static sp => new PostgresMigrator(sp.GetRequiredService<PostgresDatabase>(), sp.GetService<ILogger<PostgresMigrator>>()));
        services.AddHostedService<PostgresSchemaStartup>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<PostgresAuditPartitionMaintenance>();
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>(PostgresHealthCheck.Name, tags: ["ready"]);
        return services;
    }
}
