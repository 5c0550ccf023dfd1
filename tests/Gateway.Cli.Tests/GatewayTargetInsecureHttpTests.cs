using Gateway.Admin.Tests.Infrastructure;

namespace Gateway.Cli.Tests;

/// <summary>
/// Plain http to another machine would carry the admin token and any credential in clear: refused before any request
/// unless the operator says the network is trusted (<c>--allow-insecure-http</c> or <c>GATEWAY_ALLOW_INSECURE_HTTP=1</c>);
/// http to this machine and https anywhere need nothing.
/// </summary>
public sealed class GatewayTargetInsecureHttpTests
{
    [Theory]
    [InlineData("http://gw.corp.example:8080")]
    [InlineData("http://10.0.0.7/")]
    public async Task Resolve_PlainHttpToAnotherHost_IsRefusedBeforeAnyRequest(string url)
    {
        var handler = new RecordingHandler();

        var result = await RunAsync(handler, [], "tokens", "list", "--url", url);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("insecure_transport", result.Error, StringComparison.Ordinal);
        Assert.Contains("--allow-insecure-http", result.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Resolve_PlainHttpFromTheEnvironment_IsRefusedBeforeAnyRequest()
    {
        var handler = new RecordingHandler();

        var result = await RunAsync(handler, new() { ["GATEWAY_URL"] = "http://gw.corp.example:8080" }, "tokens", "list");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("insecure_transport", result.Error, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Resolve_PlainHttpWithTheFlag_IsSent()
    {
        var handler = new RecordingHandler();

        await RunAsync(handler, [], "tokens", "list", "--url", "http://gw.corp.example:8080", "--allow-insecure-http");

        Assert.Equal(new Uri("http://gw.corp.example:8080/admin/v1/tokens"), Assert.Single(handler.Requests));
    }

    [Fact]
    public async Task Resolve_PlainHttpWithTheVariable_IsSent()
    {
        var handler = new RecordingHandler();

        await RunAsync(handler, new() { ["GATEWAY_ALLOW_INSECURE_HTTP"] = "1" }, "tokens", "list", "--url", "http://gw.corp.example:8080");

        Assert.Single(handler.Requests);
    }

    [Theory]
    [InlineData("https://gw.corp.example")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:8080")]
    public async Task Resolve_HttpsOrThisMachine_IsSent(string url)
    {
        var handler = new RecordingHandler();

        await RunAsync(handler, [], "tokens", "list", "--url", url);

        Assert.Single(handler.Requests);
    }

    private static async Task<CliResult> RunAsync(HttpMessageHandler handler, Dictionary<string, string?> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        environment["GATEWAY_ADMIN_TOKEN"] = AdminTestServices.BootstrapToken;
        var console = new CliConsole(output, error, new StringReader(string.Empty), false, name => environment.GetValueOrDefault(name), handler, Path.GetTempPath());
        var code = await GatewayCli.RunAsync(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
