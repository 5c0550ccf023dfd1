using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Connectors.Signing;
using Gateway.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Cli.Tests;

/// <summary>
/// The real gateway (<see cref="GatewayApplication"/>) on Kestrel over a private copy of the example bundle, with a
/// bootstrap admin token, and the example's <c>demo-agent</c> signing its requests: what the admin commands talk to.
/// </summary>
internal sealed class DemoGateway : IAsyncDisposable
{
    public const string Tenant = "demo";

    /// <summary>The bootstrap admin token; the gateway knows only its SHA-256.</summary>
    public const string AdminToken = "gatewayctl-tests-bootstrap-admin-token-0123456789";

    private readonly WebApplication _app;
    private readonly string _bundle;
    private readonly string _data;
    private readonly Dictionary<string, string?> _settings;
    private readonly HttpClient _http;
    private readonly RequestSigner _agent;

    private DemoGateway(WebApplication app, Uri baseAddress, string bundle, string data, Dictionary<string, string?> settings)
    {
        _app = app;
        _bundle = bundle;
        _data = data;
        _settings = settings;
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var secret = File.ReadAllText(Path.Combine(bundle, "secrets", "demo-agent.secret")).Trim();
        _agent = RequestSigner.FromSecret(secret, Tenant, "ws-demo", "demo-agent");
    }

    public Uri BaseAddress { get; }

    /// <summary>The gateway's services (its audit journal, say).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The bundle the gateway runs (a private copy of the example's).</summary>
    public string BundleDirectory => _bundle;

    /// <summary>
    /// Starts the gateway on a copy of the example bundle, its main file changed by <paramref name="rewrite"/> first when
    /// given, with <paramref name="configuration"/> added to its settings (e.g. a PostgreSQL store).
    /// </summary>
    public static async Task<DemoGateway> StartAsync(Func<string, string>? rewrite = null, IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var bundle = CliRun.CopyBundle();
        if (rewrite is not null)
        {
            var main = Path.Combine(bundle, "demo.yaml");
            File.WriteAllText(main, rewrite(File.ReadAllText(main)));
        }

        var data = Directory.CreateTempSubdirectory("gatewayctl-gateway-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Policy:BundlePath"] = bundle,
            ["Gateway:DataDirectory"] = data,
            ["Gateway:Admin:BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken))),
            ["Logging:LogLevel:Default"] = "Warning",

            // One audit chain on any machine (the default follows the cores), so that a run's records share one checkpoint.
            ["Gateway:Audit:ChainsPerReplica"] = "1",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return await StartOnAsync(bundle, data, settings);
    }

    /// <summary>
    /// Stops this gateway and starts it again, as a new process on the same bundle, data directory (receipt keys, tokens)
    /// and settings, on a new port: a gateway that has read nothing of its journal yet (<paramref name="whileStopped"/> runs
    /// in between, e.g. to edit its files), with <paramref name="configuration"/> changed in its settings (a value of null
    /// removes the setting). Use the returned one from then on.
    /// </summary>
    public async Task<DemoGateway> RestartAsync(Func<Task>? whileStopped = null, IReadOnlyDictionary<string, string?>? configuration = null)
    {
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                _settings.Remove(key);
            }
            else
            {
                _settings[key] = value;
            }
        }

        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        return await StartOnAsync(_bundle, _data, _settings);
    }

    private static async Task<DemoGateway> StartOnAsync(string bundle, string data, Dictionary<string, string?> settings)
    {
        var app = GatewayApplication.Build(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new DemoGateway(app, new Uri(address), bundle, data, settings);
    }

    /// <summary>Runs gatewayctl against this gateway with <paramref name="token"/> in GATEWAY_ADMIN_TOKEN (and <paramref name="stdin"/> piped).</summary>
    public Task<CliResult> RunWithStdinAsync(string token, string? stdin, params string[] args) =>
        CliRun.RunWithStdinAsync(new() { ["GATEWAY_ADMIN_TOKEN"] = token }, stdin, [.. args, "--url", BaseAddress.ToString()]);

    public Task<CliResult> RunAsync(string token, params string[] args) => RunWithStdinAsync(token, stdin: null, args);

    /// <summary>Issues a token through <c>gatewayctl tokens issue</c> (by the bootstrap admin) and returns it.</summary>
    public async Task<string> IssueTokenAsync(params string[] options)
    {
        var issued = await RunAsync(AdminToken, ["tokens", "issue", .. options, "--json"]);
        Assert.True(issued.ExitCode == 0, issued.Error);
        using var body = JsonDocument.Parse(issued.Out);
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>The demo agent's <c>/v1/evaluate</c> of <paramref name="action"/>; returns the decision token of an allow-family answer.</summary>
    public async Task<string> EvaluateAsync(string action)
    {
        using var answer = await ReadAsync(await SendAsync(HttpMethod.Post, "/v1/evaluate", action), HttpStatusCode.OK);
        return answer.RootElement.GetProperty("decision_token").GetString()!;
    }

    /// <summary>The demo agent's <c>/v1/evaluate</c> of <paramref name="action"/>; returns the intent digest its record carries.</summary>
    public async Task<string> EvaluateForIntentAsync(string action)
    {
        using var answer = await ReadAsync(await SendAsync(HttpMethod.Post, "/v1/evaluate", action), HttpStatusCode.OK);
        return answer.RootElement.GetProperty("explanation").GetProperty("intent_digest").GetString()!;
    }

    /// <summary>
    /// Appends the decision record of <paramref name="requestId"/> (a read of the demo agent, to be forwarded) with no outcome
    /// after it, as a gateway killed right after answering leaves it: "outcome unknown".
    /// </summary>
    public async Task AppendDecisionWithoutOutcomeAsync(string requestId) =>
        await _app.Services.GetRequiredService<AuditJournal>().AppendAsync(new AuditEntry
        {
            Tenant = Tenant,
            Workspace = "ws-demo",
            Agent = "demo-agent",
            Tool = "crm.read_contact",
            Connector = "crm.read_contact",
            RequestId = requestId,
            Decision = "allow",
            PolicyDigest = "policy",
            IntentDigest = "intent",
            Fold = AuditFold.Decision,
        });

    /// <summary>The demo agent delegates <paramref name="grant"/> (<c>POST /v1/delegations</c>, 201); returns the child's id.</summary>
    public async Task<string> DelegateAsync(string grant)
    {
        using var issued = await ReadAsync(await SendAsync(HttpMethod.Post, "/v1/delegations", grant), HttpStatusCode.Created);
        return issued.RootElement.GetProperty("agent").GetString()!;
    }

    /// <summary>The demo agent delegates <paramref name="grant"/> (201); returns the child's id and its secret, shown this once.</summary>
    public async Task<(string Child, string Secret)> DelegateWithSecretAsync(string grant)
    {
        using var issued = await ReadAsync(await SendAsync(HttpMethod.Post, "/v1/delegations", grant), HttpStatusCode.Created);
        return (issued.RootElement.GetProperty("agent").GetString()!, issued.RootElement.GetProperty("secret").GetString()!);
    }

    /// <summary>The delegated <paramref name="child"/>'s <c>/v1/evaluate</c> of <paramref name="action"/>, signed with its <paramref name="secret"/>; the status.</summary>
    public async Task<HttpStatusCode> EvaluateAsChildAsync(string child, string secret, string action)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/evaluate", action, signer: RequestSigner.FromSecret(secret, Tenant, "ws-demo", child));
        return response.StatusCode;
    }

    /// <summary>The demo agent asks for <paramref name="action"/>, which needs approval (409); returns the approval request's id.</summary>
    public async Task<string> RequestApprovalAsync(string action)
    {
        using var refusal = await ReadAsync(await SendAsync(HttpMethod.Post, "/v1/actions/invoke-tool", action), HttpStatusCode.Conflict);
        return refusal.RootElement.GetProperty("approval").GetProperty("id").GetString()!;
    }

    /// <summary>The warrant of approved request <paramref name="id"/>, as the demo agent polls it.</summary>
    public async Task<string> WarrantAsync(string id)
    {
        using var approval = await ReadAsync(await SendAsync(HttpMethod.Get, "/v1/approvals/" + id, null), HttpStatusCode.OK);
        return approval.RootElement.GetProperty("warrant").GetString()!;
    }

    /// <summary>The demo agent sends <paramref name="action"/> carrying <paramref name="warrant"/>; returns the status and the problem's detail.</summary>
    public async Task<(HttpStatusCode Status, string Code, string Detail)> ActWithWarrantAsync(string action, string warrant)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/actions/invoke-tool", action[..^1] + ",\"warrant\":" + JsonSerializer.Serialize(warrant) + "}");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = problem.RootElement;
        return (response.StatusCode, root.TryGetProperty("code", out var code) ? code.GetString()! : string.Empty, root.TryGetProperty("detail", out var detail) ? detail.GetString()! : string.Empty);
    }

    /// <summary>The demo agent starts a run (<c>POST /v1/runs</c>, 201); returns its id.</summary>
    public async Task<string> StartRunAsync(string body = """{"framework":"gatewayctl-tests","purpose":"look up a customer"}""")
    {
        using var started = await ReadAsync(await SendAsync(HttpMethod.Post, "/v1/runs", body), HttpStatusCode.Created);
        return started.RootElement.GetProperty("run_id").GetString()!;
    }

    /// <summary>The demo agent sends one event of <paramref name="run"/> (200 asserted).</summary>
    public async Task RunEventAsync(string run, string type, string? name = null) =>
        (await ReadAsync(await SendAsync(HttpMethod.Post, $"/v1/runs/{run}/events", JsonSerializer.Serialize(new Dictionary<string, string?> { ["type"] = type, ["name"] = name }.Where(p => p.Value is not null).ToDictionary())), HttpStatusCode.OK)).Dispose();

    /// <summary>The demo agent's <c>/v1/evaluate</c> of <paramref name="action"/> in <paramref name="run"/>; returns the status.</summary>
    public async Task<HttpStatusCode> EvaluateInRunAsync(string run, string action)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/evaluate", action, run);
        return response.StatusCode;
    }

    /// <summary>The demo agent's <c>/v1/actions/invoke-tool</c> of <paramref name="action"/> in <paramref name="run"/>; returns the status.</summary>
    public async Task<HttpStatusCode> InvokeInRunAsync(string run, string action)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/actions/invoke-tool", action, run);
        return response.StatusCode;
    }

    /// <summary>As <see cref="EvaluateInRunAsync"/>; returns the status and the receipt the answer carried (<c>Gamut-Receipt</c>).</summary>
    public async Task<(HttpStatusCode Status, string? Receipt)> EvaluateInRunForReceiptAsync(string run, string action)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/evaluate", action, run);
        return (response.StatusCode, response.Headers.TryGetValues("Gamut-Receipt", out var values) ? values.Single() : null);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_bundle, recursive: true);
        Directory.Delete(_data, recursive: true);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string target, string? json, string? run = null, RequestSigner? signer = null)
    {
        var request = new HttpRequestMessage(method, target);
        if (run is not null)
        {
            // The run the request belongs to: covered by the signature's last line.
            request.Headers.Add(SignatureHeaders.Run, run);
        }

        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        (signer ?? _agent).Sign(request, body);
        return _http.SendAsync(request);
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text);
        }
    }
}
