using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Gateway.Oversight;
using Gateway.Oversight.Audit;
using Gateway.Oversight.Options;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using MsOptions = Microsoft.Extensions.Options.Options;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The gateway binary as a child process with its journal on a real PostgreSQL, under load from
/// eight concurrent agents, killed with SIGKILL: every request it had answered 200 has its audit
/// record in PostgreSQL, and the chain verifies (a record is acknowledged only once its group committed).
/// </summary>
public sealed class GatewayKillTests
{
    [Fact]
    public async Task Kill9_UnderLoad_LosesNoAcknowledgedAuditRecord()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredential);
        var dataDirectory = Directory.CreateTempSubdirectory("gw-kill-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Gateway__Policy__BundlePath"] = bundle.Directory,
            ["Gateway__DataDirectory"] = dataDirectory,
            ["Gateway__Audit__ReplicaId"] = "doomed",
            ["Gateway__Store__Postgres__ConnectionString"] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var key in new[] { "DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY" })
        {
            environment[key] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        using var gateway = await GatewayProcess.StartAsync(environment);
        try
        {
            var http = gateway.Http;
            var agent = new AgentClient(http, bundle.AgentSecret);
            var acknowledged = new ConcurrentBag<string>();
            var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    try
                    {
                        using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact($"w{w}-{i}"));
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.Add(response.Headers.GetValues("X-Request-Id").Single());
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the process is gone
                    }
                }
            })).ToArray();

            var clock = Stopwatch.StartNew();
            while (acknowledged.Count < 80) // below the demo agent's 120 per minute
            {
                Assert.False(gateway.HasExited, "the gateway exited under load");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"only {acknowledged.Count} requests answered");
                await Task.Delay(10);
            }

            await gateway.KillAsync();
            await Task.WhenAll(workers);

            var stored = new HashSet<string>(StringComparer.Ordinal);
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT line::jsonb->>'request_id' FROM audit_records WHERE tenant = 'demo'", connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    stored.Add(reader.IsDBNull(0) ? string.Empty : reader.GetString(0));
                }
            }

            Assert.All(acknowledged, id => Assert.Contains(id, stored));
            await using var database = new PostgresDatabase(NpgsqlDataSource.Create(connectionString), TimeSpan.FromSeconds(30));
            var metrics = new OversightMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
            var journal = new AuditJournal(new PostgresAuditStore(database), [], TimeProvider.System, metrics, MsOptions.Create(new OversightOptions()), NullLogger<AuditJournal>.Instance);
            var verification = await journal.VerifyAsync("demo");
            Assert.True(verification.Intact, verification.Reason);
            Assert.True(verification.Records >= acknowledged.Count);
        }
        finally
        {
            await gateway.KillAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
