using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using static Gateway.Proxy.Tests.Infrastructure.DecisionTokenCalls;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The decision-token cache (a real redis-server) dies: an action presenting an evaluation's token is refused 503
/// <c>store_unavailable</c> and recorded (the journal lives on file), an executor's verification is 503, never
/// "live because it could not be checked"; when Redis comes back empty the token it no longer knows is refused, and
/// a new evaluation and action work again without restarting the gateway.
/// </summary>
public sealed class DecisionTokenStoreOutageTests
{
    private const string AdminToken = "token-outage-tests-bootstrap-admin-token-0123456789";

    [Fact]
    public async Task Act_CacheDown_RefusedRecordedAndRecoveredWithoutRestart()
    {
        await using var crm = await ReplicaUpstreams.StartCrmAsync();
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = crm.Origin });
        bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredential);
        await using var redis = await RedisServer.StartAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("gw-token-outage-").FullName;
        var body = ReplicaUpstreams.ReadContact("42");
        try
        {
            var environment = GatewayProcess.RedisWithJournalOnFile(bundle.Directory, redis.Endpoint, dataDirectory, "token-outage");
            environment["Gateway__Store__Redis__CommandTimeout"] = "00:00:00.5";
            environment["Gateway__Store__Redis__ConnectTimeout"] = "00:00:00.5";
            environment["Gateway__Store__Redis__ReconnectMinBackoff"] = "00:00:00.02";
            environment["Gateway__Store__Redis__ReconnectMaxBackoff"] = "00:00:00.2";
            environment["Gateway__Admin__BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken)));

            string refusedAction, unknownAction;
            using (var gateway = await GatewayProcess.StartAsync(environment))
            {
                var agent = new AgentClient(gateway.Http, bundle.AgentSecret);
                using var admin = Bearer(gateway.Http.BaseAddress!, AdminToken);
                using var executor = Bearer(gateway.Http.BaseAddress!, await IssueExecutorTokenAsync(admin, "crm-executor"));
                var token = TokenOf(await EvaluateAsync(agent, body));
                AssertStatus(await VerifyAsync(executor, token), "live");

                await redis.KillAsync();

                using (var down = await ActAsync(agent, body, token))
                {
                    await ProblemAssert.IsProblemAsync(down, HttpStatusCode.ServiceUnavailable, "store_unavailable");
                    refusedAction = down.Headers.GetValues("X-Request-Id").Single();
                }

                using (var unverifiable = await PostVerifyAsync(executor, token))
                {
                    await ProblemAssert.IsProblemAsync(unverifiable, HttpStatusCode.ServiceUnavailable, "store_unavailable");
                }

                Assert.Empty(crm.Received);

                // Back, empty (no persistence): the gateway reconnects by itself; the token it no longer knows is refused.
                await redis.StartAsync();
                await WaitUntilAsync(async () =>
                {
                    using var ready = await gateway.Http.GetAsync("/readyz");
                    return ready.IsSuccessStatusCode;
                });

                using (var unknown = await ActAsync(agent, body, token))
                {
                    await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.Forbidden, "decision_token_revoked");
                    unknownAction = unknown.Headers.GetValues("X-Request-Id").Single();
                }

                var fresh = TokenOf(await EvaluateAsync(agent, body));
                using (var acted = await ActAsync(agent, body, fresh))
                {
                    Assert.True((await DecisionJson.DecisionAsync(acted, "allow")).GetProperty("invoked").GetBoolean());
                }

                Assert.Single(crm.Received);
                await gateway.StopAsync();
            }

            await using var sink = new FileAuditSinkUnderTest(dataDirectory);
            await using var reader = await sink.OpenAsync();
            var stored = await reader.ReadAsync(DemoBundle.Tenant);
            var record = Assert.Single(stored, r => r.RequestId == refusedAction);
            Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.StatusCode);
            Assert.Equal((int)HttpStatusCode.Forbidden, Assert.Single(stored, r => r.RequestId == unknownAction).StatusCode);
            var verification = await reader.VerifyAsync(DemoBundle.Tenant);
            Assert.True(verification.Intact, verification.Reason);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(20), "the gateway did not recover within 20 s");
}
