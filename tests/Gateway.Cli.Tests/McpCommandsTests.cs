using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl mcp token</c> against the real gateway on Kestrel: the token it prints lists tools on /mcp; the secret never shows.</summary>
public sealed class McpCommandsTests
{
    private static readonly Dictionary<string, string?> DemoAgent = new()
    {
        ["GAMUT_TENANT_SLUG"] = "demo",
        ["GAMUT_WORKSPACE_ID"] = "ws-demo",
        ["GAMUT_AGENT_ID"] = "demo-agent",
    };

    [Fact]
    public async Task McpToken_SecretOnStandardInput_PrintsATokenThatListsToolsOnMcp()
    {
        await using var gw = await DemoGateway.StartAsync();
        var secret = DemoAgentSecret();

        var result = await CliRun.RunWithStdinAsync(DemoAgent, secret, "mcp", "token", "--url", gw.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Error);
        var token = result.Out.Trim();
        Assert.Equal(3, token.Split('.').Length);
        Assert.DoesNotContain(secret, result.Out + result.Error, StringComparison.Ordinal);
        var tools = await ListToolsAsync(gw.BaseAddress, token);
        Assert.Contains("\"tools\"", tools, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpToken_Json_PrintsTheTokenItsExpiryAndTheMcpResource()
    {
        await using var gw = await DemoGateway.StartAsync();
        var env = new Dictionary<string, string?>(DemoAgent) { ["GAMUT_BYO_AGENT_SECRET"] = DemoAgentSecret() };

        var result = await CliRun.RunAsync(env, "mcp", "token", "--json", "--url", gw.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("Bearer", json.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(300, json.RootElement.GetProperty("expires_in").GetInt64());
        Assert.Equal(gw.BaseAddress.GetLeftPart(UriPartial.Authority) + "/mcp", json.RootElement.GetProperty("resource").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("access_token").GetString()));
        Assert.DoesNotContain(DemoAgentSecret(), result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpToken_StdinNotATerminalAndEmptyWithTheSecretExported_PrintsAToken()
    {
        await using var gw = await DemoGateway.StartAsync();
        var env = new Dictionary<string, string?>(DemoAgent) { ["GAMUT_BYO_AGENT_SECRET"] = DemoAgentSecret(), ["GATEWAY_DEMO_ENV"] = "/nonexistent/demo.env" };

        var result = await CliRun.RunWithStdinAsync(env, string.Empty, "mcp", "token", "--url", gw.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(3, result.Out.Trim().Split('.').Length);
    }

    [Fact]
    public async Task McpToken_SecretExportedAndStdinAnOpenPipe_NeverReadsStdin()
    {
        await using var gw = await DemoGateway.StartAsync();
        var env = new Dictionary<string, string?>(DemoAgent) { ["GAMUT_BYO_AGENT_SECRET"] = DemoAgentSecret(), ["GATEWAY_DEMO_ENV"] = "/nonexistent/demo.env" };

        var result = await CliRun.RunWithInputAsync(env, new UnreadableInput(), redirected: true, "mcp", "token", "--url", gw.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(3, result.Out.Trim().Split('.').Length);
    }

    [Fact]
    public async Task McpToken_StdinEmptyAndNothingExported_TakesTheDemoFilesSecret()
    {
        await using var gw = await DemoGateway.StartAsync();
        var demoFile = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-mcp-").FullName, "demo.env");
        await File.WriteAllTextAsync(demoFile, $"GATEWAY_URL={gw.BaseAddress}\nGAMUT_TENANT_SLUG=demo\nGAMUT_WORKSPACE_ID=ws-demo\nGAMUT_AGENT_ID=demo-agent\nGAMUT_BYO_AGENT_SECRET={DemoAgentSecret()}\n");

        var result = await CliRun.RunWithStdinAsync(new Dictionary<string, string?> { ["GATEWAY_DEMO_ENV"] = demoFile }, string.Empty, "mcp", "token");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(3, result.Out.Trim().Split('.').Length);
    }

    [Fact]
    public async Task McpToken_StdinEmptyAndNoSecretAnywhere_Exits6NamingEverySource()
    {
        var result = await CliRun.RunWithStdinAsync(new Dictionary<string, string?>(DemoAgent) { ["GATEWAY_DEMO_ENV"] = "/nonexistent/demo.env" }, string.Empty, "mcp", "token", "--url", "http://127.0.0.1:9");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("GAMUT_BYO_AGENT_SECRET", result.Error, StringComparison.Ordinal);
        Assert.Contains("--secret-file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpToken_WrongSecret_Exits1WithInvalidClientAndNoToken()
    {
        await using var gw = await DemoGateway.StartAsync();

        var result = await CliRun.RunWithStdinAsync(DemoAgent, "not-the-agents-secret-0123456789abcdef", "mcp", "token", "--url", gw.BaseAddress.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: invalid_client:", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task McpToken_NoAgentNamed_Exits6()
    {
        var result = await CliRun.RunWithStdinAsync(new Dictionary<string, string?> { ["GATEWAY_DEMO_ENV"] = "/nonexistent/demo.env" }, "secret", "mcp", "token", "--url", "http://127.0.0.1:9");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("--agent", result.Error, StringComparison.Ordinal);
    }

    /// <summary>initialize, notifications/initialized, tools/list on /mcp with the bearer token; returns the tools/list answer.</summary>
    private static async Task<string> ListToolsAsync(Uri baseAddress, string token)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var initialize = await SendAsync(http, token, null, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"header-client","version":"1"}}}""");
        Assert.True(initialize.IsSuccessStatusCode, await initialize.Content.ReadAsStringAsync());
        var session = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await SendAsync(http, token, session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        using var list = await SendAsync(http, token, session, """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""");
        var text = await list.Content.ReadAsStringAsync();
        Assert.True(list.IsSuccessStatusCode, text);
        return text;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string token, string? session, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        return http.SendAsync(request);
    }

    private static string DemoAgentSecret() => File.ReadAllText(Path.Combine(CliRun.ExampleBundle, "secrets", "demo-agent.secret")).Trim();

    /// <summary>Standard input that is an open pipe nobody writes to (ssh's channel, a CI step's): reading it fails the test.</summary>
    private sealed class UnreadableInput : TextReader
    {
        public override int Peek() => throw new InvalidOperationException("standard input was read");

        public override int Read() => throw new InvalidOperationException("standard input was read");

        public override Task<string> ReadToEndAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("standard input was read");
    }
}
