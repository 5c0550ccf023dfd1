using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// The REAL gateway binary for the .NET suite, started once by sdk/testing/gateway.sh (the launcher all
/// three SDK suites share) in front of this suite's Kestrel upstream, plus the admin calls tests need.
/// </summary>
public sealed class GatewayEnvironment : IAsyncLifetime
{
    public const string DemoSecret = "demo-secret-do-not-use-in-production-0123456789"; // examples/bundle/secrets (demo only)

    private readonly string _work = Directory.CreateTempSubdirectory("gamut-sdk-dotnet-").FullName;
    private readonly HttpClient _admin = new();
    private readonly Dictionary<string, string> _approverTokens = new(StringComparer.Ordinal);
    private string? _executorToken;

    internal SuiteUpstream Upstream { get; private set; } = null!;

    public string BaseUrl { get; private set; } = string.Empty;

    public string RogueSecret { get; private set; } = string.Empty;

    /// <summary>The gateway's decision signing key, for an executor's verifier.</summary>
    public byte[] DecisionSigningKey { get; private set; } = [];

    /// <summary>The launcher's admin token (role admin), for a test that presents a credential without the executor role.</summary>
    public string AdminToken { get; private set; } = string.Empty;

    public GamutOptions Demo => new() { BaseUrl = BaseUrl, Tenant = "demo", Workspace = "ws-demo", AgentId = "demo-agent", Secret = DemoSecret };

    public async Task InitializeAsync()
    {
        Upstream = await SuiteUpstream.StartAsync();
        var output = await RunLauncherAsync("start", _work, Upstream.BaseUrl);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        BaseUrl = values["GAMUT_TEST_BASE_URL"];
        RogueSecret = values["GAMUT_TEST_ROGUE_SECRET"];
        DecisionSigningKey = GatewayKey.FromText(values["GAMUT_TEST_DECISION_SIGNING_KEY"]);
        AdminToken = values["GAMUT_TEST_ADMIN_TOKEN"];
        Upstream.Verifiers = new UpstreamVerifiers(DecisionSigningKey, GatewayKey.FromText(values["GAMUT_TEST_SERVICE_KEY"]));
        _admin.BaseAddress = new Uri(BaseUrl + "/admin/v1/");
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await PutCredentialAsync("crm-token", "crm-test-token");
        await PutCredentialAsync("payments-key", "payments-test-key");
        await PutCredentialAsync("openai-key", "openai-test-key");
        await PutCredentialAsync("mail-hook", "mail-test-hook");
    }

    public async Task DisposeAsync()
    {
        await RunLauncherAsync("stop", _work);
        Directory.Delete(_work, recursive: true);
        _admin.Dispose();
        await Upstream.DisposeAsync();
    }

    public Task<JsonNode?> AdminAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return SendAdminAsync(request);
    }

    public async Task ApproveAsync(string approvalId, string approver = "bob") =>
        await AdminAsync(HttpMethod.Post, $"tenants/demo/approvals/{approvalId}/approve", token: await ApproverAsync(approver));

    public async Task DenyAsync(string approvalId) =>
        await AdminAsync(HttpMethod.Post, $"tenants/demo/approvals/{approvalId}/deny", token: await ApproverAsync("bob"));

    /// <summary>An admin-API token with the role <c>executor</c> (minted once), for the verify endpoint.</summary>
    public async Task<string> ExecutorTokenAsync() =>
        _executorToken ??= (await AdminAsync(HttpMethod.Post, "tokens", new { name = "crm-executor", roles = new[] { "executor" } }))!["token"]!.GetValue<string>();

    /// <summary>One run of tenant demo as the admin API shows it: <c>run</c> (its status, who ended it) and <c>records</c>, its story.</summary>
    public async Task<JsonNode> RunStoryResponseAsync(string runId) => (await AdminAsync(HttpMethod.Get, $"tenants/demo/runs/{runId}?limit=1000"))!;

    /// <summary>A run's story: every record of it in the audit journal, in order (its start, each action and event).</summary>
    public async Task<JsonArray> RunRecordsAsync(string runId) => (await RunStoryResponseAsync(runId))["records"]!.AsArray();

    /// <summary>An operator cancels a run of tenant demo through the admin API.</summary>
    public Task CancelRunAsync(string runId, string reason = "stopped by the test's operator") =>
        AdminAsync(HttpMethod.Post, $"tenants/demo/runs/{runId}/cancel", new { reason });

    /// <summary>
    /// A run's records as one line each: the run's own events by type, every other record by its tool and decision (and
    /// <c>:invoked</c> for the record of an invocation's outcome).
    /// </summary>
    public async Task<List<string>> RunStoryAsync(string runId) =>
        [.. (await RunRecordsAsync(runId)).Select(r => r!["run_event"] is { } e
            ? "event:" + e["type"]!.GetValue<string>()
            : $"{r["tool"]?.GetValue<string>()}:{r["decision"]!.GetValue<string>()}" + (r["invoked"]?.GetValue<bool>() == true ? ":invoked" : string.Empty))];

    /// <summary>Suspends an agent of tenant demo (its kill switch); dispose to resume it.</summary>
    public async Task<IAsyncDisposable> SuspendAsync(string agent)
    {
        await AdminAsync(HttpMethod.Post, $"tenants/demo/agents/{agent}/suspend");
        return new Resume(this, agent);
    }

    /// <summary>An approver token of tenant demo for <paramref name="person"/> (minted once per person).</summary>
    public async Task<string> ApproverAsync(string person)
    {
        if (!_approverTokens.TryGetValue(person, out var token))
        {
            token = (await AdminAsync(HttpMethod.Post, "tokens", new { name = person, roles = new[] { "approver" }, tenant = "demo", person }))!["token"]!.GetValue<string>();
            _approverTokens[person] = token;
        }

        return token;
    }

    private sealed class Resume(GatewayEnvironment env, string agent) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await env.AdminAsync(HttpMethod.Post, $"tenants/demo/agents/{agent}/resume");
    }

    private Task PutCredentialAsync(string name, string value) => AdminAsync(HttpMethod.Put, $"tenants/demo/credentials/{name}", new { value });

    private async Task<JsonNode?> SendAdminAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await _admin.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"admin {request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {text}");
            }

            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
    }

    private static async Task<string> RunLauncherAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "sdk", "testing", "gateway.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"gateway.sh {string.Join(' ', arguments)} failed: {await error}");
    }
}

/// <summary>The test classes that share one gateway.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayEnvironment>
{
    public const string Name = "gateway";
}
