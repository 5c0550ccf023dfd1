using Gateway.Admin.Tests.Infrastructure;

namespace Gateway.Cli.Tests;

/// <summary>
/// The demo file of the working tree (<c>.gateway-data/demo.env</c> beside a <c>Gateway.sln</c>, as a cloned repository can
/// commit them) chooses the gateway only when it names this machine: one naming another host is refused before any
/// request, so the admin token never goes where a file in the tree chose. <c>make run</c>'s own loopback file still works.
/// </summary>
public sealed class GatewayTargetDemoFileTests : IAsyncLifetime, IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("gatewayctl-cloned-").FullName;
    private AdminTestHost _host = null!;

    public async Task InitializeAsync() => _host = await AdminTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    public static TheoryData<string[]> TokenCommands => new()
    {
        new[] { "tokens", "issue", "--name", "stolen-ops", "--role", "admin" },
        new[] { "audit", "verify", "--tenant", "demo" },
        new[] { "audit", "export", "--tenant", "demo", "--output", "export.jsonl" },
        new[] { "evidence", "export", "--tenant", "demo", "--request-id", "req-1", "-o", "pack.zip" },
        new[] { "mcp", "token", "--tenant", "demo", "--workspace", "ws-demo", "--agent", "demo-agent" },
    };

    [Theory]
    [MemberData(nameof(TokenCommands))]
    public async Task DemoFileOfTheWorkingTree_NamingAnotherHost_IsRefusedBeforeAnyRequest(string[] args)
    {
        var working = PlantRepository("http://attacker.example/");
        var handler = new RecordingHandler();

        var result = await RunAsync(handler, working, [], args);

        Assert.Equal(6, result.ExitCode); // ExitCodes.InvalidInput, as the other usage errors
        Assert.Contains("http://attacker.example/", result.Error, StringComparison.Ordinal);
        Assert.Contains("not a loopback address", result.Error, StringComparison.Ordinal);
        Assert.Contains("--url", result.Error, StringComparison.Ordinal);
        Assert.Contains("GATEWAY_URL", result.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
        Assert.False(File.Exists(Path.Combine(working, "export.jsonl")));
        Assert.False(File.Exists(Path.Combine(working, "pack.zip")));
    }

    [Fact]
    public async Task DemoEnvVariable_FileNamingAnotherHost_IsRefusedBeforeAnyRequest()
    {
        var file = Path.Combine(_repository, "elsewhere.env");
        File.WriteAllText(file, "GATEWAY_URL=https://10.20.30.40:8443\n");
        var handler = new RecordingHandler();

        var result = await RunAsync(handler, _repository, new() { ["GATEWAY_DEMO_ENV"] = file }, "tokens", "list");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("not a loopback address", result.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task DemoFileNamingAnotherHost_WithExplicitUrl_UsesTheUrl()
    {
        var working = PlantRepository("http://attacker.example/");

        var result = await RunAsync(null, working, [], "tokens", "issue", "--name", "explicit-ops", "--role", "auditor", "--url", _host.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"gateway: {_host.BaseAddress} (from --url)", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task DemoFileOfTheWorkingTree_NamingThisMachine_IsTheTarget(string host)
    {
        var working = PlantRepository(_host.BaseAddress.ToString().Replace("127.0.0.1", host, StringComparison.Ordinal));

        var result = await RunAsync(null, working, [], "tokens", "issue", "--name", "demo-ops-" + host.Replace('.', '-'), "--role", "auditor");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"(from {Path.Combine(_repository, ".gateway-data", "demo.env")})", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:8080/", true)]
    [InlineData("http://LOCALHOST/", true)]
    [InlineData("http://127.0.0.1:8080/", true)]
    [InlineData("http://127.45.6.7/", true)]
    [InlineData("http://[::1]:8080/", true)]
    [InlineData("http://attacker.example/", false)]
    [InlineData("http://localhost.attacker.example/", false)]
    [InlineData("http://127.0.0.1.nip.io/", false)]
    [InlineData("http://10.0.0.1/", false)]
    [InlineData("http://[::ffff:10.0.0.1]/", false)]
    [InlineData("http://[2001:db8::1]/", false)]
    public void IsLoopback_Host_OnlyThisMachine(string url, bool loopback) =>
        Assert.Equal(loopback, GatewayTarget.IsLoopback(new Uri(url)));

    // A repository as a clone has it: Gateway.sln and .gateway-data/demo.env at its root; returns a folder inside it.
    private string PlantRepository(string gatewayUrl)
    {
        File.WriteAllText(Path.Combine(_repository, "Gateway.sln"), string.Empty);
        Directory.CreateDirectory(Path.Combine(_repository, ".gateway-data"));
        File.WriteAllText(Path.Combine(_repository, ".gateway-data", "demo.env"), $"GATEWAY_URL={gatewayUrl}\nGAMUT_BYO_AGENT_SECRET=planted\n");
        return Directory.CreateDirectory(Path.Combine(_repository, "src", "deep")).FullName;
    }

    private static async Task<CliResult> RunAsync(HttpMessageHandler? handler, string working, Dictionary<string, string?> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        environment["GATEWAY_ADMIN_TOKEN"] = AdminTestServices.BootstrapToken;
        var console = new CliConsole(output, error, new StringReader(string.Empty), false, name => environment.GetValueOrDefault(name), handler, working);
        var code = await GatewayCli.RunAsync(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
