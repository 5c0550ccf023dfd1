using Gateway.Proxy.Hosting;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary><c>gateway migrate</c> (the chart's hook Job) against a real PostgreSQL: migrates, is idempotent, and names failures by exit code.</summary>
public sealed class SchemaMigrateCommandTests
{
    [Fact]
    public async Task RunAsync_EmptyDatabaseThenAgain_MigratesOnceAndExitsZeroBothTimes()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();
        var file = Path.Combine(Path.GetTempPath(), "migrate-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, connectionString);
        try
        {
            var settings = Settings(("Gateway:Store:Postgres:ConnectionStringFile", file));
            var (first, firstOut, _) = await RunAsync(settings);
            var (second, secondOut, _) = await RunAsync(settings);

            Assert.Equal(0, first);
            Assert.Contains("migrate: applied 0001_", firstOut, StringComparison.Ordinal);
            Assert.Equal(0, second);
            Assert.DoesNotContain("applied", secondOut, StringComparison.Ordinal);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM schema_migrations", connection);
            Assert.True((long)(await command.ExecuteScalarAsync())! > 0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RunAsync_NoConnectionSettings_ExitsSix()
    {
        var (code, _, error) = await RunAsync(Settings());

        Assert.Equal(6, code);
        Assert.Contains("no ConnectionString or ConnectionStringFile", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoServerListening_ExitsSevenWithoutThePassword()
    {
        var (code, _, error) = await RunAsync(Settings(("Gateway:Store:Postgres:ConnectionString", $"Host=127.0.0.1;Port={FreePort.Next()};Database=x;Username=u;Password=not-printed;Timeout=2")));

        Assert.Equal(7, code);
        Assert.DoesNotContain("not-printed", error, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(static v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static async Task<(int Code, string Output, string Error)> RunAsync(IConfiguration settings)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await SchemaMigrateCommand.RunAsync(settings, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
