using Gateway.Store.Postgres;

namespace Gateway.Records.Tests.Infrastructure;

/// <summary>Replicas of one fresh, migrated database: each call gives another data source on it.</summary>
internal sealed class PostgresReplicas
{
    private string? _connectionString;

    public async Task<PostgresDatabase> NextAsync()
    {
        if (_connectionString is null)
        {
            var (database, connectionString) = await Backends.PostgresAsync();
            _connectionString = connectionString;
            return database;
        }

        return Backends.Connect(_connectionString);
    }
}
