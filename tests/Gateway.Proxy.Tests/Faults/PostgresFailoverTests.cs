using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Xunit.Abstractions;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The gateway with its system of record on a real PostgreSQL primary and a synchronous streaming standby, configured
/// as in production with both hosts and <c>Target Session Attributes=primary</c>. Under steady governed traffic the
/// primary dies (immediate stop) and the standby is promoted. Nothing acknowledged is lost: every request the gateway
/// forwarded (its decision record was acknowledged before forwarding) has its record on the new primary; every request
/// refused during the switch was refused (503), never forwarded, and its refusal is recorded once the new primary takes
/// writes; <c>/readyz</c> is unready while no primary answers; the same process follows the new primary without a
/// restart, and the tenant's chain verifies.
/// </summary>
public sealed class PostgresFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PostgresReplicaSet _postgres = null!;
    private GovernedGateway _gateway = null!;
    private string _database = string.Empty;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresReplicaSet.CreateAsync(synchronous: true);
        _database = await _postgres.CreateDatabaseAsync();
        // The example's rate limits (120 a minute for the agent) lifted: the load is the point here, not the limits.
        _gateway = await GovernedGateway.StartAsync(
            rewrite: static bundle => bundle
                .Replace("{ scope: tenant, limit: 1000, window: 1m }", "{ scope: tenant, limit: 1000000, window: 1m }", StringComparison.Ordinal)
                .Replace("{ scope: agent, agent: demo-agent, limit: 120, window: 1m }", "{ scope: agent, agent: demo-agent, limit: 1000000, window: 1m }", StringComparison.Ordinal),
            configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Store:Postgres:ConnectionString"] = _postgres.ConnectionString(_database),
            ["Gateway:Store:Postgres:CommandTimeout"] = "00:00:02",
        }));
    }

    public async Task DisposeAsync()
    {
        await (_gateway?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_postgres?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task GovernedTraffic_PrimarySwitchedOver_NothingAcknowledgedLostRefusalsRecordedChainVerifies()
    {
        var answered = new ConcurrentDictionary<string, (HttpStatusCode Status, string? Code, string Contact)>(StringComparer.Ordinal);
        var counter = 0;
        using var stop = new CancellationTokenSource();
        var refusedSinceSwitch = 0;
        var servedAfterSwitch = 0;
        var switched = false;
        var clock = Stopwatch.StartNew();
        var promotedAt = long.MaxValue;
        var firstServedAfterPromotion = long.MaxValue;

        async Task LoadAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var contact = "c-" + Interlocked.Increment(ref counter);
                var started = clock.ElapsedTicks;
                using var response = await _gateway.Agent.SendAsync(_gateway.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + contact));
                var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
                string? code = null;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    code = problem.RootElement.GetProperty("code").GetString();
                }

                answered[requestId] = (response.StatusCode, code, contact);
                if (Volatile.Read(ref switched))
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref servedAfterSwitch);
                        if (started > Interlocked.Read(ref promotedAt))
                        {
                            Interlocked.CompareExchange(ref firstServedAfterPromotion, clock.ElapsedTicks, long.MaxValue);
                        }
                    }
                    else
                    {
                        Interlocked.Increment(ref refusedSinceSwitch);
                    }
                }
            }
        }

        var load = Enumerable.Range(0, 6).Select(_ => Task.Run(LoadAsync)).ToArray();
        await WaitUntilAsync(() => answered.Count >= 60, "traffic before the switch");
        // The primary dies; the failover manager promotes the standby once it has seen the primary gone (here: once the
        // gateway has refused traffic for it, so that the switch surely happens under load).
        Volatile.Write(ref switched, true);
        var switchedAt = clock.ElapsedTicks;
        await _postgres.StopPrimaryAsync();
        await WaitUntilAsync(() => Volatile.Read(ref refusedSinceSwitch) > 0, "a refusal while no primary answers");
        using (var unready = await _gateway.Host.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        }

        await _postgres.PromoteStandbyAsync();
        Interlocked.Exchange(ref promotedAt, clock.ElapsedTicks);

        // The same process follows the new primary: traffic is served again without a restart.
        await WaitUntilAsync(() => Volatile.Read(ref servedAfterSwitch) >= 60, "traffic served by the new primary");
        await stop.CancelAsync();
        await Task.WhenAll(load);
        await WaitUntilAsync(async () =>
        {
            using var ready = await _gateway.Host.Client.GetAsync("/readyz");
            return ready.StatusCode == HttpStatusCode.OK;
        }, "ready again");

        var forwarded = _gateway.Upstream.Received.Select(static r => r.Target[(r.Target.LastIndexOf('/') + 1)..]).ToHashSet(StringComparer.Ordinal);
        var acknowledged = answered.Where(static a => a.Value.Status == HttpStatusCode.OK).ToDictionary(static a => a.Key, static a => a.Value.Contact, StringComparer.Ordinal);
        var refused = answered.Where(static a => a.Value.Status != HttpStatusCode.OK).ToList();

        // Refused means 503 with a stable code, and never forwarded: the upstream saw exactly the acknowledged requests.
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Value.Status));
        Assert.All(refused, r => Assert.Equal("audit_unavailable", r.Value.Code));
        Assert.Equal(acknowledged.Values.Order(StringComparer.Ordinal), forwarded.Order(StringComparer.Ordinal));

        // Every acknowledged request's decision record is on the new primary; every refused one's refusal gets there
        // (the journal's backlog, written once the new primary takes writes).
        var standby = _postgres.Standby.ConnectionString(_database);
        var decided = await RequestIdsAsync(standby, "decision NOT LIKE 'refused:%'");
        Assert.DoesNotContain(acknowledged.Keys, id => !decided.Contains(id));
        await WaitUntilAsync(async () =>
        {
            var recorded = await RequestIdsAsync(standby, "true");
            return refused.TrueForAll(r => recorded.Contains(r.Key));
        }, "every refusal recorded on the new primary");

        // A refused request whose decision record is on the new primary too: its commit reached the standby but the
        // acknowledgement died with the old primary (in doubt). It was refused all the same and says so in its refusal.
        var inDoubt = refused.Count(r => decided.Contains(r.Key));
        output.WriteLine($"primary stopped, a request refused and the standby promoted in {(promotedAt - switchedAt) / (double)Stopwatch.Frequency:F2} s; "
            + $"first request served by the new primary {(firstServedAfterPromotion - promotedAt) / (double)Stopwatch.Frequency:F2} s after the promotion");
        output.WriteLine($"{acknowledged.Count} acknowledged and forwarded, {refused.Count} refused ({inDoubt} of them in doubt; {string.Join(", ", refused.GroupBy(static r => r.Value.Code).Select(static g => $"{g.Count()} {g.Key}"))}), {forwarded.Count} seen upstream");

        using var verify = JsonDocument.Parse(await _gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit/verify"));
        Assert.True(verify.RootElement.GetProperty("intact").GetBoolean(), verify.RootElement.GetRawText());
    }

    // Every request id the tenant's records on that server name, of the rows matching the condition.
    private static async Task<HashSet<string>> RequestIdsAsync(string connectionString, string condition)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT unnest(request_ids) FROM audit_records WHERE tenant = 'demo' AND " + condition, connection);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(45), "timed out waiting for " + what);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(45), "timed out waiting for " + what);
}
