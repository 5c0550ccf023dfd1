using Gateway.Testing;
using Npgsql;

namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl db migrate|status</c> against a real PostgreSQL.</summary>
public sealed class DbCommandsTests
{
    [Fact]
    public async Task Migrate_FreshDatabase_AppliesThenIsCurrent()
    {
        var env = await DatabaseAsync();

        var first = await CliRun.RunAsync(env, "db", "migrate");
        var second = await CliRun.RunAsync(env, "db", "migrate");
        var status = await CliRun.RunAsync(env, "db", "status", "--json");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("applied 0001_audit", first.Out, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.DoesNotContain("applied", second.Out, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("\"ok\": true", status.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Unmigrated_ExitsTwoAndNamesThePending()
    {
        var env = await DatabaseAsync();

        var status = await CliRun.RunAsync(env, "db", "status");

        Assert.Equal(2, status.ExitCode);
        Assert.Contains("pending", status.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_SchemaNewerThanTheTool_ExitsTwo()
    {
        var env = await DatabaseAsync();
        Assert.Equal(0, (await CliRun.RunAsync(env, "db", "migrate")).ExitCode);
        await using (var connection = new NpgsqlConnection(env[DbConnectionVariable]))
        {
            await connection.OpenAsync();
            await using var newer = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')", connection);
            await newer.ExecuteNonQueryAsync();
        }

        var result = await CliRun.RunAsync(env, "db", "migrate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("schema_mismatch", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_NoConnectionString_ExitsSix()
    {
        var result = await CliRun.RunAsync("db", "migrate");

        Assert.Equal(6, result.ExitCode);
    }

    [Fact]
    public async Task Migrate_NobodyListening_ExitsSevenWithoutThePassword()
    {
        var env = new Dictionary<string, string?> { [DbConnectionVariable] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=u;Password=hunter2-secret;Timeout=2" };

        var result = await CliRun.RunAsync(env, "db", "migrate");

        Assert.Equal(7, result.ExitCode);
        Assert.DoesNotContain("hunter2-secret", result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_ConnectionStringFile_IsRead()
    {
        var env = await DatabaseAsync();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, env[DbConnectionVariable] + "\n");

            var result = await CliRun.RunAsync("db", "migrate", "--connection-string-file", file);

            Assert.Equal(0, result.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private const string DbConnectionVariable = "Gateway__Store__Postgres__ConnectionString";

    private static async Task<Dictionary<string, string?>> DatabaseAsync() =>
        new() { [DbConnectionVariable] = await (await PostgresServer.Shared).CreateDatabaseAsync() };
}
