using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Store.Postgres;

/// <summary>
/// At start-up, before the first request: applies pending migrations (when
/// <see cref="PostgresStoreOptions.MigrateOnStart"/>) or checks the schema is the binary's. Either way
/// a schema newer than the binary stops the process.
/// </summary>
internal sealed class PostgresSchemaStartup(PostgresMigrator migrator, IOptions<PostgresStoreOptions> options, ILogger<PostgresSchemaStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await migrator.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        }

        PostgresLog.SchemaCurrent(logger, migrator.LatestVersion);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
