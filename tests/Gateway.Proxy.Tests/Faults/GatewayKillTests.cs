using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Policy.AuditChain;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The gateway binary as a child process with its journal on each sink (the embedded store, its files, a real Redis, a real
/// PostgreSQL), under load from eight concurrent agents, killed with SIGKILL. Read back from the sink itself once
/// the process is gone: every request it had answered 200 has its decision record (durable before it was forwarded)
/// and its outcome record or, killed between the answer and the outcome's append, is counted and named as "outcome
/// unknown" by the verification; every request it had refused 403 has its refusal record; and the chain verifies. A
/// gateway started again on the same sink appends after the tip, and the chain still verifies.
/// </summary>
public sealed class GatewayKillTests
{
    private const string Tenant = DemoBundle.Tenant;
    private const string Replica = "doomed";
    private const string AdminToken = "gateway-kill-tests-admin-token-0123456789";

    [Theory]
    [InlineData(AuditSinkUnderTest.EmbeddedStore, false)]
    [InlineData(AuditSinkUnderTest.File, false)]
    [InlineData(AuditSinkUnderTest.Redis, false)]
    [InlineData(AuditSinkUnderTest.Redis, true)]
    [InlineData(AuditSinkUnderTest.Postgres, false)]
    public async Task Kill9_UnderLoad_LosesNoAcknowledgedAuditRecord(string sink, bool inlineIo)
    {
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        // The load is bounded by counts below, not by the demo agent's 120 requests per minute.
        bundle.Rewrite(text => ReplicaUpstreams.WithoutCrmCredential(text).Replace("limit: 120, window: 1m", "limit: 100000, window: 1m", StringComparison.Ordinal));
        var dataDirectory = Directory.CreateTempSubdirectory("gw-kill-").FullName;
        try
        {
            await using var auditSink = await AuditSinkUnderTest.StartAsync(sink, dataDirectory);
            var environment = new Dictionary<string, string>(auditSink.Settings)
            {
                ["Gateway__Policy__BundlePath"] = bundle.Directory,
                ["Gateway__DataDirectory"] = dataDirectory,
                ["Gateway__Audit__ReplicaId"] = Replica,
                ["Gateway__Admin__BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken))),
                ["Logging__LogLevel__Default"] = "Warning",
            };
            if (inlineIo)
            {
                // Requests run on their sockets' event threads (the default from 16 cores on Redis): the same promise holds.
                environment["Gateway__Server__InlineScheduling"] = "true";
            }

            GatewayProcess.AddFreshKeys(environment);

            // Under load, killed: nothing acknowledged is lost.
            Answers answered;
            using (var doomed = await GatewayProcess.StartAsync(environment))
            {
                answered = await LoadUntilKilledAsync(doomed, new AgentClient(doomed.Http, bundle.AgentSecret));
            }

            long tip;
            await using (var reader = await auditSink.OpenAsync())
            {
                var stored = await reader.ReadAsync(Tenant);
                var verification = await reader.VerifyAsync(Tenant);
                Assert.True(verification.Intact, verification.Reason);
                AssertRecorded(stored, answered, verification);
                // The verified chain reaches every record of an answered request (one record may stand for several requests).
                Assert.True(verification.Records >= stored.Where(r => r.RequestId is { } id && (answered.Ok.Contains(id) || answered.Forbidden.Contains(id))).Max(r => r.Seq));
                Assert.Equal(Replica, Assert.Single(verification.Partitions).Replica);
                tip = verification.Records;
            }

            // Started again on the same sink: it appends after the tip, and the chain still verifies.
            Answers again;
            using (var restarted = await GatewayProcess.StartAsync(environment))
            {
                again = await SendAsync(new AgentClient(restarted.Http, bundle.AgentSecret), "again", count: 4);
                Assert.Equal(3, again.Ok.Count);
                Assert.Single(again.Forbidden);
                using var admin = new HttpClient { BaseAddress = restarted.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
                admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
                using var verify = await admin.GetAsync($"/admin/v1/tenants/{Tenant}/audit/verify");
                var body = await verify.Content.ReadAsStringAsync();
                Assert.True(verify.StatusCode == HttpStatusCode.OK, body);
                var verified = JsonDocument.Parse(body).RootElement;
                Assert.True(verified.GetProperty("intact").GetBoolean(), body);
                Assert.True(verified.GetProperty("records").GetInt64() >= tip + (2 * again.Ok.Count) + again.Forbidden.Count, body);
                await restarted.KillAsync();
            }

            await using (var reader = await auditSink.OpenAsync())
            {
                var stored = await reader.ReadAsync(Tenant);
                AssertRecorded(stored, again, verification: null);
                var appended = stored.Where(r => r.RequestId is { } id && (again.Ok.Contains(id) || again.Forbidden.Contains(id))).ToList();
                Assert.All(appended, r => Assert.True(r.Seq > tip, $"record {r.Seq} of request {r.RequestId} is not after the tip {tip}"));
                var verification = await reader.VerifyAsync(Tenant);
                Assert.True(verification.Intact, verification.Reason);
                Assert.Equal(Replica, Assert.Single(verification.Partitions).Replica);
                Assert.True(verification.Records >= tip + appended.Count);
            }
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Eight agents send reads (answered 200) mixed with a tool the agent may not use (refused 403), each with its
    /// own request id, until enough of both were answered; then SIGKILL with requests in flight.
    /// </summary>
    private static async Task<Answers> LoadUntilKilledAsync(GatewayProcess gateway, AgentClient agent)
    {
        var answers = new Answers();
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    await SendOneAsync(agent, $"w{w}-{i}", blocked: i % 4 == 3, answers);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    return; // the process is gone
                }
            }
        })).ToArray();

        await Gateway.Testing.Eventually.HoldsAsync(
            async () =>
            {
                Assert.False(gateway.HasExited, "the gateway exited under load");
                if (workers.FirstOrDefault(static w => w.IsFaulted) is { } failed)
                {
                    await failed; // an agent saw an answer it should not have
                }

                return answers.Ok.Count >= 80 && answers.Forbidden.Count >= 10;
            },
            TimeSpan.FromSeconds(60),
            () => $"only {answers.Ok.Count} requests answered 200 and {answers.Forbidden.Count} 403");

        await gateway.KillAsync();
        await Task.WhenAll(workers);
        return answers;
    }

    private static async Task<Answers> SendAsync(AgentClient agent, string prefix, int count)
    {
        var answers = new Answers();
        for (var i = 0; i < count; i++)
        {
            await SendOneAsync(agent, $"{prefix}-{i}", blocked: i == count - 1, answers);
        }

        return answers;
    }

    /// <summary>A read of contact <paramref name="id"/>, or with <paramref name="blocked"/> a build-host command the demo agent has no permission for.</summary>
    private static async Task SendOneAsync(AgentClient agent, string id, bool blocked, Answers answers)
    {
        var body = blocked
            ? """{"tool":"shell.exec","args":{"cmd":""" + JsonSerializer.Serialize("echo " + id) + "}}"
            : ReplicaUpstreams.ReadContact(id);
        using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", body);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                Assert.False(blocked, "the blocked tool was answered 200");
                answers.Ok.Add(response.Headers.GetValues("X-Request-Id").Single());
                break;
            case HttpStatusCode.Forbidden:
                // A refusal names its request id in the problem body (the X-Request-Id header does not survive it).
                var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
                Assert.True(blocked, $"a read was refused: {problem}");
                answers.Forbidden.Add(problem.GetProperty("request_id").GetString()!);
                break;
        }
    }

    /// <summary>
    /// Every request answered 200 has its decision record (durable before it was forwarded: status 0) and its outcome
    /// (status 200), unless the process was killed between the answer and the outcome's append: then the chain's
    /// <paramref name="verification"/> counts and names it as outcome unknown (with none given, every outcome must be
    /// there: the gateway was read through after answering). Every request refused 403 has its record with 403.
    /// </summary>
    private static void AssertRecorded(IReadOnlyList<StoredAuditRecord> stored, Answers answers, AuditVerification? verification)
    {
        var recorded = stored.Where(r => r.RequestId is not null).Select(r => (r.RequestId!, r.StatusCode)).ToHashSet();
        Assert.All(answers.Ok, id => Assert.Contains((id, 0), recorded));
        var unknown = answers.Ok.Where(id => !recorded.Contains((id, 200))).ToList();
        Assert.True(unknown.Count <= (verification?.OutcomeUnknown ?? 0), $"{unknown.Count} answered requests have no outcome; verify counts {verification?.OutcomeUnknown ?? 0} as outcome unknown");
        if (verification is { OutcomeUnknown: <= AuditOutcomeTally.MaxListed })
        {
            Assert.All(unknown, id => Assert.Contains(id, verification.OutcomeUnknownRequestIds));
        }

        Assert.All(answers.Forbidden, id => Assert.Contains((id, 403), recorded));
    }

    /// <summary>The request ids the gateway answered 200 and 403, as the agents saw them.</summary>
    private sealed class Answers
    {
        public ConcurrentBag<string> Ok { get; } = [];

        public ConcurrentBag<string> Forbidden { get; } = [];
    }
}
