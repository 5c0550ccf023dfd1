using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Gateway.Testing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// <c>make run</c> itself: <c>examples/run-demo.sh</c> (the gateway with the example bundle and the demo
/// upstreams program, <c>examples/DemoUpstreams</c>) on free loopback ports, with a data directory of its
/// own, the demo's OpenAI key stored in the vault through the admin API, and the bundle's rogue agent
/// given its secret (<c>ROGUE_AGENT_SECRET</c>, which the bundle reads from the environment).
/// </summary>
public sealed class MakeRunDemo : IAsyncLifetime
{
    /// <summary>The demo agent's secret (examples/bundle/secrets/demo-agent.secret; demo only).</summary>
    public const string DemoAgentSecret = "demo-secret-do-not-use-in-production-0123456789";

    private const string AdminToken = "make-run-demo-test-admin-token-0123456789";

    private static readonly string[] PortVariables =
    [
        "GATEWAY_PORT", "GATEWAY_METRICS_PORT", "DEMO_OPENAI_PORT", "DEMO_CRM_PORT", "DEMO_TICKETS_PORT",
        "DEMO_PAYMENTS_PORT", "DEMO_MAIL_PORT", "DEMO_BUILDHOST_PORT", "DEMO_DOCS_PORT", "DEMO_CONTEXT_PORT",
    ];

    private readonly string _work = Path.Combine(Path.GetTempPath(), "gw-make-run-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>Where the demo gateway listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Gateway { get; private set; } = null!;

    /// <summary>The rogue agent's runtime secret for this run.</summary>
    public string RogueAgentSecret { get; } = "rogue-agent-make-run-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        var script = Path.Combine(RepositoryRoot.Path, "examples", "run-demo.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var gatewayPort = 0;
        foreach (var name in PortVariables)
        {
            var port = FreePort.Next();
            gatewayPort = name == "GATEWAY_PORT" ? port : gatewayPort;
            start.Environment[name] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        start.Environment["GATEWAY_DATA_DIR"] = Path.Combine(_work, "data");
        start.Environment["GATEWAY_DEMO_ENV"] = Path.Combine(_work, "demo.env");
        start.Environment["GATEWAY_DEMO_ADMIN_TOKEN"] = AdminToken;
        start.Environment["ROGUE_AGENT_SECRET"] = RogueAgentSecret;
        start.Environment.Remove("GATEWAY_URL");
        Gateway = new Uri($"http://127.0.0.1:{gatewayPort}");

        _process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilReadyAsync(http);
        using var put = new HttpRequestMessage(HttpMethod.Put, "/admin/v1/tenants/demo/credentials/openai-key")
        {
            Content = new StringContent("""{"value":"sk-demo-openai-key-for-make-run"}""", Encoding.UTF8, "application/json"),
        };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var stored = await http.SendAsync(put);
        Assert.True(stored.IsSuccessStatusCode, $"storing the demo OpenAI key: {(int)stored.StatusCode} {await stored.Content.ReadAsStringAsync()}");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A log still held open by a stopping process; the temp directory is cleaned by the OS.
        }

        return Task.CompletedTask;
    }

    /// <summary>What run-demo.sh printed so far, for failure messages.</summary>
    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    // Readiness, not speed: the deadline only stops a hung start from hanging the suite (not listening yet, or still
    // starting, is asked again).
    private Task WaitUntilReadyAsync(HttpClient http) => Eventually.HoldsAsync(
        async () =>
        {
            Assert.False(_process!.HasExited, "make run's demo stopped before it was ready:\n" + Output());
            using var ready = await http.GetAsync("/readyz");
            return ready.StatusCode == HttpStatusCode.OK;
        },
        TimeSpan.FromMinutes(3),
        () => "make run's demo did not become ready:\n" + Output());

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
