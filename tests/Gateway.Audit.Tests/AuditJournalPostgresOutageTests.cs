using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Gateway.Audit.Tests;

/// <summary>
/// PostgreSQL stopped (its own real server, <c>pg_ctl stop -m immediate</c>) under appends: every append
/// fails (the host refuses), readiness is unready, and once it is started again the same journal
/// appends with no restart and writes the refusals it could not record, chain intact.
/// </summary>
public sealed class AuditJournalPostgresOutageTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new();
    private PostgresServer _server = null!;
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.CreateAsync();
        var connectionString = await _server.CreateDatabaseAsync();
        _database = new PostgresDatabase(NpgsqlDataSource.Create(connectionString + ";Timeout=2"), TimeSpan.FromSeconds(5));
        await new PostgresMigrator(_database).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task AppendAsync_PostgresStopped_RefusedUnreadyThenRecoversAndRecordsTheRefusals()
    {
        var sink = new PostgresAuditStore(_database);
        var journal = TestServices.Journal(sink, _time);
        var health = new AuditSinkHealthCheck(sink);
        await journal.AppendAsync(Entry("before"));

        await _server.StopAsync();
        var refused = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Task.Run(async () =>
            await Record.ExceptionAsync(() => journal.AppendAsync(Entry("during-" + i)).AsTask()))));
        var unready = await health.CheckHealthAsync(Context(health));

        Assert.All(refused, error => Assert.IsType<AuditWriteException>(error));
        Assert.Equal(HealthStatus.Unhealthy, unready.Status);
        Assert.Equal(5, journal.BacklogCount);

        await _server.StartAsync();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Context(health))).Status);
        Assert.Equal(5, await journal.FlushBacklogAsync());
        var after = await journal.AppendAsync(Entry("after"));

        Assert.Equal(7, after.Seq);
        Assert.Equal(0, journal.BacklogCount);
        var verification = await journal.VerifyAsync("t1");
        Assert.True(verification.Intact, verification.Reason);
        var records = await journal.ReadAsync("t1", 0, 100);
        var refusals = records.Where(r => r.GetProperty("decision").GetString() == "refused:audit_unavailable").ToList();
        Assert.Equal(5, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(503, r.GetProperty("status_code").GetInt32()));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => "during-" + i).Order(StringComparer.Ordinal),
            refusals.Select(r => r.GetProperty("request_id").GetString()!).Order(StringComparer.Ordinal));
    }

    private static AuditEntry Entry(string requestId) => new()
    {
        Tenant = "t1",
        Agent = "agent-1",
        Tool = "crm.read_contact",
        RequestId = requestId,
        Decision = "allow",
        StatusCode = 200,
    };

    private static HealthCheckContext Context(IHealthCheck check) =>
        new() { Registration = new HealthCheckRegistration(AuditSinkHealthCheck.Name, check, HealthStatus.Unhealthy, ["ready"]) };
}
