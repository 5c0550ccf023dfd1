using System.Net;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The gateway with its audit journal on a real PostgreSQL (migrated at start-up), which is then
/// stopped (<c>pg_ctl stop -m immediate</c>) under traffic: every governed request is refused 503
/// <c>audit_unavailable</c> and nothing is forwarded, <c>/readyz</c> is unready; once PostgreSQL is back
/// the same process serves again and the refusals it could not record are written to the journal.
/// </summary>
public sealed class PostgresOutageTests : IAsyncLifetime
{
    private PostgresServer _postgres = null!;
    private GovernedGateway _gateway = null!;
    private string _connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        _connectionString = await _postgres.CreateDatabaseAsync();
        _gateway = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Store:Postgres:ConnectionString"] = _connectionString + ";Timeout=2",
            ["Gateway:Store:Postgres:CommandTimeout"] = "00:00:02",
        }));
    }

    public async Task DisposeAsync()
    {
        await (_gateway?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_postgres?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task GovernedRequest_PostgresStopped_RefusedUnreadyThenRecoversAndRecordsTheRefusals()
    {
        using (var healthy = await ReadContactAsync("c-1"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        Assert.True(await CountAsync("decision <> 'refused:audit_unavailable'") > 0, "the allowed request was not journaled in PostgreSQL");
        var forwarded = _gateway.Upstream.Received.Count;

        await _postgres.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            using var refused = await ReadContactAsync("c-down-" + i);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        }

        Assert.Equal(forwarded, _gateway.Upstream.Received.Count);
        using (var unready = await _gateway.Host.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        }

        await _postgres.StartAsync();
        await EventuallyAsync(async () =>
        {
            using var served = await ReadContactAsync("c-2");
            return served.StatusCode == HttpStatusCode.OK;
        });
        await EventuallyAsync(async () =>
        {
            using var ready = await _gateway.Host.Client.GetAsync("/readyz");
            return ready.StatusCode == HttpStatusCode.OK;
        });
        await EventuallyAsync(async () => await CountAsync("decision = 'refused:audit_unavailable'") >= 3);
    }

    private Task<HttpResponseMessage> ReadContactAsync(string contact) =>
        _gateway.Agent.SendAsync(_gateway.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + contact));

    private async Task<long> CountAsync(string condition)
    {
        await using var connection = new NpgsqlConnection(_connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_records WHERE tenant = 'demo' AND " + condition, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // Recovery is awaited by outcome (the pool and the backlog flusher reconnect on their own), bounded generously.
    private static Task EventuallyAsync(Func<Task<bool>> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(60), "the gateway did not recover within 60 s");
}
