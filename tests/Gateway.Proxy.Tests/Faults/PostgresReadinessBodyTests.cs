using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// <c>/readyz</c> is unauthenticated: with PostgreSQL stopped, its body names each check with a short code only, never
/// the exception that made it unready (its type, a host, a message), which stays in the log.
/// </summary>
public sealed partial class PostgresReadinessBodyTests : IAsyncLifetime
{
    private PostgresServer _postgres = null!;
    private GovernedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        var connectionString = await _postgres.CreateDatabaseAsync();
        _gateway = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Store:Postgres:ConnectionString"] = connectionString + ";Timeout=2",
            ["Gateway:Store:Postgres:CommandTimeout"] = "00:00:02",
        }));
    }

    public async Task DisposeAsync()
    {
        await (_gateway?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_postgres?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Readyz_PostgresDown_BodyHoldsOnlyStatusCodes()
    {
        await _postgres.StopAsync();

        string body = string.Empty;
        await Eventually.HoldsAsync(
            async () =>
            {
                using var unready = await _gateway.Host.Client.GetAsync("/readyz");
                body = await unready.Content.ReadAsStringAsync();
                return unready.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("\"postgres\"", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(30),
            "/readyz did not go unready naming postgres");

        var checks = JsonDocument.Parse(body).RootElement.EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.GetString());
        Assert.Equal("unavailable", checks["postgres"]);
        Assert.All(checks, check => Assert.Matches(ShortCode(), check.Value));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z_]{1,32}$")]
    private static partial System.Text.RegularExpressions.Regex ShortCode();
}
