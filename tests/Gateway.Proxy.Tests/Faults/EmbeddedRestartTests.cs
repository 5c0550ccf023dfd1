using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Testing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// Finding 2 of the attack review: the embedded store (<c>make run</c>'s default, the chart's
/// <c>store.kind=memory</c>) forgot everything at a restart, so a captured request could be replayed within
/// its timestamp window after every restart (a crash loop made that a replay window on demand). The gateway
/// binary runs as a child process on one data directory; after SIGKILL or SIGTERM and a new start, the same
/// bytes are still refused as a replay, a suspended agent is still suspended and an exhausted rate limit is still exhausted.
/// </summary>
public sealed class EmbeddedRestartTests : IDisposable
{
    private const string AdminToken = "embedded-restart-tests-admin-token-0123456789";
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private readonly DemoBundle _bundle = DemoBundle.Create();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("gw-restart-").FullName;
    private readonly Dictionary<string, string> _environment;

    public EmbeddedRestartTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["Gateway__Policy__BundlePath"] = _bundle.Directory,
            ["Gateway__DataDirectory"] = _dataDirectory,
            ["Gateway__Admin__BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken))),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        GatewayProcess.AddFreshKeys(_environment);
    }

    [Theory]
    [InlineData("kill-9")]
    [InlineData("sigterm")]
    public async Task Evaluate_ReplayedAfterRestart_IsStillRefused(string stop)
    {
        HttpRequestMessage replay;
        using (var gateway = await GatewayProcess.StartAsync(_environment))
        {
            var agent = new AgentClient(gateway.Http, _bundle.AgentSecret);
            using var original = agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
            replay = await AgentClient.CloneAsync(original);
            using var again = await AgentClient.CloneAsync(original);
            using var first = await gateway.Http.SendAsync(original);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            using var second = await gateway.Http.SendAsync(again);
            await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Unauthorized, "replayed_nonce");
            await StopAsync(gateway, stop);
        }

        using (var restarted = await GatewayProcess.StartAsync(_environment))
        using (replay)
        {
            // The same bytes, sent to the restarted process's address.
            replay.RequestUri = new Uri(restarted.Http.BaseAddress!, replay.RequestUri!.PathAndQuery);
            using var third = await restarted.Http.SendAsync(replay);

            await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Unauthorized, "replayed_nonce");

            // The control: a fresh request from the same agent is still accepted after the restart.
            using var fresh = await new AgentClient(restarted.Http, _bundle.AgentSecret).PostJsonAsync("/v1/evaluate", EvaluateBody);
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }
    }

    [Fact]
    public async Task Evaluate_AfterSuspensionAndKill9_StaysSuspended()
    {
        using (var gateway = await GatewayProcess.StartAsync(_environment))
        {
            using var admin = Admin(gateway);
            using var suspend = await admin.PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null);
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
            await gateway.KillAsync();
        }

        using var restarted = await GatewayProcess.StartAsync(_environment);
        using var response = await new AgentClient(restarted.Http, _bundle.AgentSecret).PostJsonAsync("/v1/evaluate", EvaluateBody);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"decision\":\"block\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_RateLimitExhaustedThenKill9_StaysExhausted()
    {
        _bundle.Rewrite(yaml => yaml.Replace("{ scope: agent, agent: demo-agent, limit: 120, window: 1m }",
            "{ scope: agent, agent: demo-agent, limit: 2, window: 1h }", StringComparison.Ordinal));
        using (var gateway = await GatewayProcess.StartAsync(_environment))
        {
            var agent = new AgentClient(gateway.Http, _bundle.AgentSecret);
            for (var i = 0; i < 2; i++)
            {
                using var allowed = await agent.PostJsonAsync("/v1/evaluate", EvaluateBody);
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }

            await gateway.KillAsync();
        }

        using var restarted = await GatewayProcess.StartAsync(_environment);
        using var response = await new AgentClient(restarted.Http, _bundle.AgentSecret).PostJsonAsync("/v1/evaluate", EvaluateBody);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Evaluate_AuditInTheStoreSealedIntoFilesThenKill9_ChainVerifiesWholeAndGoesOn()
    {
        // The decision records in the embedded store's journal, and every append sealed into the logs' files.
        _environment["Gateway__Audit__Sink"] = "store";
        _environment["Gateway__Store__Memory__LogSealCharacters"] = "1";
        var logs = Path.Combine(_dataDirectory, "state", "logs");
        long records;
        using (var gateway = await GatewayProcess.StartAsync(_environment))
        {
            var agent = new AgentClient(gateway.Http, _bundle.AgentSecret);
            for (var i = 0; i < 20; i++)
            {
                using var allowed = await agent.PostJsonAsync("/v1/evaluate", EvaluateBody);
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }

            using var admin = Admin(gateway);
            var verified = await VerifyAsync(admin);
            Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
            records = verified.GetProperty("records").GetInt64();
            Assert.True(records >= 20, verified.ToString());
            await Eventually.HoldsAsync(
                () => Directory.Exists(logs) && Directory.EnumerateFiles(logs, "*.log").Any(path => new FileInfo(path).Length > 0),
                TimeSpan.FromSeconds(30), "no log was sealed into a file");
            await gateway.KillAsync();
        }

        var after = await RestartedVerifiedAsync();
        Assert.True(after.GetProperty("records").GetInt64() > records, after.ToString());
    }

    [Fact]
    public async Task Retention_OnTheEmbeddedDefault_ExportsAndRetiresThenTheChainGoesOnAfterKill9()
    {
        // No sink configured: the embedded store's own journal. Records older than a second exported and retired every second.
        var exports = Path.Combine(_dataDirectory, "exports", "demo");
        _environment["Gateway__Audit__Retention__MaxAge"] = "00:00:01";
        _environment["Gateway__Audit__Retention__Interval"] = "00:00:01";
        _environment["Gateway__Audit__Retention__ExportDirectory"] = Path.Combine(_dataDirectory, "exports");
        _environment["Gateway__Store__Memory__LogSealCharacters"] = "1";
        HashSet<string> tipsBeforeKill;
        using (var gateway = await GatewayProcess.StartAsync(_environment))
        {
            var agent = new AgentClient(gateway.Http, _bundle.AgentSecret);
            for (var i = 0; i < 5; i++)
            {
                using var allowed = await agent.PostJsonAsync("/v1/evaluate", EvaluateBody);
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }

            await Eventually.HoldsAsync(
                () => Directory.Exists(exports) && Directory.EnumerateFiles(exports, "*.jsonl").Any(),
                TimeSpan.FromSeconds(60), () => "retention exported nothing: " + string.Join(", ", Directory.GetFiles(_dataDirectory, "*", SearchOption.AllDirectories)));
            var onFile = Path.Combine(_dataDirectory, "audit");
            Assert.False(Directory.Exists(onFile) && Directory.EnumerateFiles(onFile, "*", SearchOption.AllDirectories).Any(), "the default kept the journal on file");
            using var admin = Admin(gateway);
            var verified = await VerifyAsync(admin);
            Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
            tipsBeforeKill = ChainTips(verified);
            await gateway.KillAsync();
        }

        // Retention may have retired the restarted gateway's record too (records: 0): a chain's tip, which its anchor keeps, moved on.
        var after = await RestartedVerifiedAsync();
        Assert.False(ChainTips(after).IsSubsetOf(tipsBeforeKill), after.ToString());
    }

    public void Dispose()
    {
        _bundle.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static HttpClient Admin(GatewayProcess gateway)
    {
        var client = new HttpClient { BaseAddress = gateway.Http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    // Starts the gateway again on the data directory, makes one more decision and answers the verified chain (intact).
    private async Task<JsonElement> RestartedVerifiedAsync()
    {
        using var restarted = await GatewayProcess.StartAsync(_environment);
        using var fresh = await new AgentClient(restarted.Http, _bundle.AgentSecret).PostJsonAsync("/v1/evaluate", EvaluateBody);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        using var admin = Admin(restarted);
        var verified = await VerifyAsync(admin);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        return verified;
    }

    // Each chain's tip as "replica tip_hash", from verify's partitions.
    private static HashSet<string> ChainTips(JsonElement verified) =>
        [.. verified.GetProperty("partitions").EnumerateArray().Select(static chain => chain.GetProperty("replica").GetString() + " " + chain.GetProperty("tip_hash").GetString())];

    private static async Task<JsonElement> VerifyAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/admin/v1/tenants/demo/audit/verify");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static Task StopAsync(GatewayProcess gateway, string how) => how == "kill-9" ? gateway.KillAsync() : gateway.StopAsync();
}
