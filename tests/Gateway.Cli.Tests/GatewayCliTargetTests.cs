using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;

namespace Gateway.Cli.Tests;

/// <summary>
/// Which gateway <c>gatewayctl</c> talks to: --url, GATEWAY_URL, or the demo file <c>make run</c>
/// writes; never a built-in default, and never a GATEWAY_URL that the demo file contradicts.
/// </summary>
public sealed class GatewayCliTargetTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gatewayctl-target-").FullName;
    private AdminTestHost _host = null!;

    public async Task InitializeAsync() => _host = await AdminTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task GatewayUrl_ContradictedByDemoEnv_IsRefusedBeforeAnyCall()
    {
        var demoEnv = WriteDemoEnv($"http://127.0.0.1:{Gateway.Testing.FreePort.Next()}");

        var result = await RunAsync(
            new() { ["GATEWAY_URL"] = _host.BaseAddress.ToString(), ["GATEWAY_DEMO_ENV"] = demoEnv },
            "tokens", "issue", "--name", "refused-ops", "--role", "auditor");

        Assert.Equal(6, result.ExitCode); // ExitCodes.InvalidInput
        Assert.Contains("target_mismatch", result.Error, StringComparison.Ordinal);
        Assert.Contains(demoEnv, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
        // Nothing reached the gateway: the name is still free.
        Assert.StartsWith(AdminTokenService.TokenPrefix, await _host.IssueTokenAsync("refused-ops", AdminRoles.Auditor), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayUrl_AgreeingWithDemoEnv_IsUsed_AndTheTargetIsPrinted()
    {
        var demoEnv = WriteDemoEnv(_host.BaseAddress.ToString().Replace("127.0.0.1", "localhost", StringComparison.Ordinal));

        var result = await RunAsync(
            new() { ["GATEWAY_URL"] = _host.BaseAddress.ToString(), ["GATEWAY_DEMO_ENV"] = demoEnv },
            "tokens", "issue", "--name", "agreeing-ops", "--role", "auditor");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"gateway: {_host.BaseAddress} (from GATEWAY_URL)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitUrl_WinsOverAContradictingDemoEnv_AndIsPrinted()
    {
        var demoEnv = WriteDemoEnv($"http://127.0.0.1:{Gateway.Testing.FreePort.Next()}");

        var result = await RunAsync(
            new() { ["GATEWAY_DEMO_ENV"] = demoEnv },
            "tokens", "issue", "--name", "explicit-ops", "--role", "auditor", "--url", _host.BaseAddress.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"gateway: {_host.BaseAddress} (from --url)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoEnv_Alone_IsTheTarget()
    {
        var demoEnv = WriteDemoEnv(_host.BaseAddress.ToString());

        var result = await RunAsync(new() { ["GATEWAY_DEMO_ENV"] = demoEnv }, "tokens", "issue", "--name", "demo-ops", "--role", "auditor");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"(from {demoEnv})", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoTargetAnywhere_ExitsInvalidInput_WithoutGuessing()
    {
        var result = await RunAsync(new() { ["GATEWAY_DEMO_ENV"] = Path.Combine(_directory, "absent.env") }, "audit", "verify", "--tenant", "demo");

        Assert.Equal(6, result.ExitCode); // ExitCodes.InvalidInput
        Assert.Contains("--url", result.Error, StringComparison.Ordinal);
        Assert.Contains("GATEWAY_URL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyCommand_DoesNotPrintTheTarget_SoJsonStaysClean()
    {
        var result = await RunAsync([], "audit", "verify", "--tenant", "demo", "--json", "--url", _host.BaseAddress.ToString());

        Assert.DoesNotContain("gateway:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_Bash_PrintsAScriptThatAsksGatewayctl()
    {
        var result = await RunAsync([], "completion", "bash");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("complete -o default -F _gatewayctl_complete gatewayctl", result.Out, StringComparison.Ordinal);
        Assert.Contains("[suggest:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_TokenWithATrailingCarriageReturn_IsInvalidInputWithoutAStackTrace()
    {
        // A token read from a file saved with CRLF line endings: refused as input before any call, and an export leaves no
        // .partial behind to block the next one.
        var file = Path.Combine(_directory, "export.jsonl");
        var environment = new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = AdminTestServices.BootstrapToken + "\r" };

        var verify = await RunAsync(new(environment), "audit", "verify", "--tenant", "demo", "--url", _host.BaseAddress.ToString());
        var export = await RunAsync(new(environment), "audit", "export", "--tenant", "demo", "-o", file, "--url", _host.BaseAddress.ToString());
        var again = await RunAsync(new(environment), "audit", "export", "--tenant", "demo", "-o", file, "--url", _host.BaseAddress.ToString());

        foreach (var result in new[] { verify, export, again })
        {
            Assert.True(result.ExitCode == 6, result.Out + result.Error); // ExitCodes.InvalidInput
            Assert.Contains("error: invalid_input:", result.Error, StringComparison.Ordinal);
            Assert.Contains("CRLF", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Out + result.Error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("already exists", again.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(file + ".partial"));
        Assert.False(File.Exists(file));
    }

    private string WriteDemoEnv(string gatewayUrl)
    {
        var file = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".env");
        File.WriteAllText(file, $"# written by the test\nGATEWAY_URL={gatewayUrl}\nGATEWAY_PORT=1\n");
        return file;
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        environment.TryAdd("GATEWAY_ADMIN_TOKEN", AdminTestServices.BootstrapToken);
        var console = new CliConsole(output, error, new StringReader(string.Empty), false, name => environment.GetValueOrDefault(name));
        var code = await GatewayCli.RunAsync(args, console);
        return (code, output.ToString(), error.ToString());
    }
}
