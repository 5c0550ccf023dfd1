using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Policy.Bundles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl catalog import-openapi</c> and <c>catalog pin-mcp</c> (against a real MCP server made with the official .NET SDK).</summary>
public sealed class CatalogCommandsTests
{
    private static readonly Tool Search = new()
    {
        Name = "search",
        Description = "Searches the documents.",
        InputSchema = JsonDocument.Parse("""{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}""").RootElement.Clone(),
    };

    [Fact]
    public async Task ImportOpenApi_Document_WritesEntriesThatLoadAndListsWhatWasLeftOut()
    {
        var dir = Directory.CreateTempSubdirectory("gatewayctl-openapi-").FullName;
        var spec = Path.Combine(dir, "api.yaml");
        var output = Path.Combine(dir, "entries.yaml");
        await File.WriteAllTextAsync(spec, """
            openapi: 3.1.0
            info: { title: Tickets, version: "1" }
            paths:
              /tickets:
                get:
                  operationId: searchTickets
                  summary: Search tickets
                  parameters:
                    - { name: q, in: query, required: true, schema: { type: string } }
                    - { name: X-Tenant, in: header, schema: { type: string } }
            """);

        var result = await CliRun.RunAsync("catalog", "import-openapi", spec, "--upstream", "https://tickets.example.com/api", "--prefix", "tickets", "--out", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("X-Tenant", result.Error, StringComparison.Ordinal);
        var loaded = PolicyBundleLoader.LoadTenantText("t.yaml", "tenant: t1\nworkspaces: [w]\ncatalog:\n" + await File.ReadAllTextAsync(output), dir);
        Assert.Empty(loaded.Errors);
        var entry = Assert.Single(loaded.Tenant!.Catalog);
        Assert.Equal("tickets.search_tickets", entry.Name);
        Assert.Contains("\"required\":[\"q\"]", entry.InputSchema, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportOpenApi_NotOpenApi_IsInvalidInput()
    {
        var spec = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-openapi-").FullName, "x.json");
        await File.WriteAllTextAsync(spec, """{"swagger":"2.0"}""");

        var result = await CliRun.RunAsync("catalog", "import-openapi", spec, "--upstream", "https://x.example.com", "--prefix", "x");

        Assert.Equal(6, result.ExitCode);
    }

    [Fact]
    public async Task PinMcp_RealServer_WritesOneEntryPerToolPinnedToWhatItServes()
    {
        await using var server = await StartServerAsync();

        var headers = WriteHeaderFile("Authorization: Bearer upstream-token");

        var result = await CliRun.RunAsync("catalog", "pin-mcp", "--url", server.Url, "--connector", "docs", "--header-file", headers, "--json");

        Assert.Equal(0, result.ExitCode);
        var tool = Assert.Single(JsonDocument.Parse(result.Out).RootElement.GetProperty("tools").EnumerateArray());
        Assert.Equal("search", tool.GetProperty("tool").GetString());
        Assert.Equal(McpToolDefinition.Digest(Search), tool.GetProperty("pin").GetString());
        Assert.Equal("Bearer upstream-token", server.Authorization);
    }

    [Theory]
    [InlineData("Authorization: Bearer upstream-token")]
    [InlineData("X-Api-Key: upstream-key")]
    [InlineData("Cookie: session=upstream")]
    public async Task PinMcp_CredentialHeaderAsArgument_IsRefusedBeforeAnyRequest(string header)
    {
        await using var server = await StartServerAsync();

        var result = await CliRun.RunAsync("catalog", "pin-mcp", "--url", server.Url, "--connector", "docs", "--header", header);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("--header-file", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("upstream", result.Error, StringComparison.Ordinal);
        Assert.Null(server.Authorization);
    }

    [Fact]
    public async Task PinMcp_HeadersOverPlainHttpToAnotherHost_IsRefused()
    {
        var headers = WriteHeaderFile("Authorization: Bearer upstream-token");

        var result = await CliRun.RunAsync("catalog", "pin-mcp", "--url", "http://mcp.example.com/mcp", "--connector", "docs", "--header-file", headers);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("insecure_transport", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PinMcp_ServerDown_IsUnreachable()
    {
        var result = await CliRun.RunAsync("catalog", "pin-mcp", "--url", "http://127.0.0.1:9/mcp", "--connector", "docs");

        Assert.Equal(7, result.ExitCode);
    }

    // A --header-file holding the lines given (deleted with the temp folder).
    private static string WriteHeaderFile(params string[] lines)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("pin-mcp-").FullName, "headers");
        File.WriteAllLines(file, lines);
        return file;
    }

    private static async Task<TestMcpServer> StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddMcpServer().WithHttpTransport().WithListToolsHandler((_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [Search] }));
        var app = builder.Build();
        var server = new TestMcpServer(app);
        app.Use((context, next) =>
        {
            server.Authorization ??= context.Request.Headers.Authorization.ToString();
            return next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First() + "/mcp";
        return server;
    }

    private sealed class TestMcpServer(WebApplication app) : IAsyncDisposable
    {
        public string Url { get; set; } = string.Empty;

        public string? Authorization { get; set; }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
