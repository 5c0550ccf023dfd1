using Gateway.Testing;
using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>A fresh database in the process's shared real PostgreSQL server, per test.</summary>
internal static class TestDatabases
{
    public static async Task<PostgresDatabase> CreateAsync(bool migrate = true)
    {
        var server = await PostgresServer.Shared;
        var database = new PostgresDatabase(NpgsqlDataSource.Create(await server.CreateDatabaseAsync()), TimeSpan.FromSeconds(30));
        if (migrate)
        {
            await new PostgresMigrator(database).MigrateAsync();
        }

        return database;
    }

    /// <summary>Appends a linked row to a chain as the application role (content is not checked by the database, only the links).</summary>
    public static async Task InsertAuditRowAsync(PostgresScope scope, string tenant, string replica, long seq, string prevHash, string hash)
    {
        await using var command = scope.CreateCommand(
            "INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line) VALUES ($1, $2, $3, now(), 'agent', 'allow', $4, $5, '{}')");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = replica });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        command.Parameters.Add(new NpgsqlParameter { Value = prevHash });
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The same row as a command for <see cref="PostgresDatabase.CommitTenantBatchAsync"/> (replica <c>r1</c>).</summary>
    public static NpgsqlBatchCommand AuditRow(string tenant, long seq, string prevHash, string hash)
    {
        var command = new NpgsqlBatchCommand(
            "INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line) VALUES ($1, 'r1', $2, now(), 'agent', 'allow', $3, $4, '{}')");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        command.Parameters.Add(new NpgsqlParameter { Value = prevHash });
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        return command;
    }

    public static string Hash(char c) => new(c, 64);

    public static string Genesis => Hash('0');
}
