using System.Net.Sockets;
using System.Runtime.InteropServices;
using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>gateway migrate</c>: applies the pending PostgreSQL migrations under the advisory lock and exits, with the gateway's own
/// <c>Gateway:Store:Postgres</c> settings (the chart's pre-install,pre-upgrade hook Job). Exit 0 applied or already current,
/// 2 the schema is newer than this binary (or an applied script changed), 6 no or invalid settings, 7 the database could
/// not be reached, 1 the database refused (a login, a migration); the connection string is never printed.
/// </summary>
public static class SchemaMigrateCommand
{
    /// <summary>Whether the arguments ask for this command rather than the server.</summary>
    public static bool IsRequested(string[] args) => args is ["migrate", ..];

    /// <summary>The process's entry: settings from the environment and the arguments after <c>migrate</c>; SIGTERM cancels.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
        return await RunAsync(configuration, System.Console.Out, System.Console.Error, stopping.Token);
    }

    /// <summary>Migrates the database <paramref name="configuration"/> names; cancelled, the migration in progress rolls back.</summary>
    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = (configuration.GetSection(PostgresStoreOptions.SectionName).Get<PostgresStoreOptions>() ?? new PostgresStoreOptions())
            with { CommandTimeout = TimeSpan.FromMinutes(5) };
        var errors = options.IsConfigured ? options.Validate() : [$"{PostgresStoreOptions.SectionName}: no ConnectionString or ConnectionStringFile."];
        if (errors.Count > 0)
        {
            await error.WriteLineAsync("migrate: invalid PostgreSQL settings: " + string.Join(" ", errors));
            return 6;
        }

        try
        {
            await using var database = PostgresDatabase.Create(options);
            var migrator = new PostgresMigrator(database);
            foreach (var migration in await migrator.MigrateAsync(cancellationToken))
            {
                await output.WriteLineAsync($"migrate: applied {migration.Version:D4}_{migration.Name}");
            }

            await output.WriteLineAsync($"migrate: schema version {migrator.LatestVersion} (current)");
            return 0;
        }
        catch (PostgresSchemaException ex)
        {
            await error.WriteLineAsync("migrate: schema_mismatch: " + ex.Message);
            return 2;
        }
        catch (PostgresException ex)
        {
            await error.WriteLineAsync($"migrate: the database refused: {ex.SqlState} {ex.MessageText}");
            return 1;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            await error.WriteLineAsync("migrate: unreachable: the database could not be reached (" + ex.GetType().Name + ")");
            return 7;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or IOException)
        {
            await error.WriteLineAsync("migrate: invalid PostgreSQL settings: " + ex.GetType().Name);
            return 6;
        }
    }
}
