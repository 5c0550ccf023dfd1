using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Gateway.Cli.Tests;

/// <summary>
/// gatewayctl never follows a redirect (it would carry the admin token, the request's body or an MCP server's
/// credentials to wherever it points): against a real Kestrel server that answers 307 to a second real one.
/// </summary>
public sealed class RedirectRefusalTests
{
    private const string AdminToken = "gwa_redirect-test-admin-token";

    private static readonly Dictionary<string, string?> Admin = new() { ["GATEWAY_ADMIN_TOKEN"] = AdminToken };

    [Fact]
    public async Task AdminCommand_GatewayAnswers307_SecondServerGetsNothingAndExitsNonZero()
    {
        var received = new ConcurrentQueue<string>();
        await using var elsewhere = await KestrelUpstream.StartAsync(app =>
        {
            Record(app, received);
            app.MapPost("/admin/v1/tenants/acme/suspend", () => Results.Json(new { tenant = "acme", suspended = true }));
        });
        await using var gateway = await KestrelUpstream.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = elsewhere.At(context.Request.Path + "?code=location-secret").ToString();
            return Task.CompletedTask;
        }));

        var result = await CliRun.RunAsync(Admin, "tenants", "suspend", "acme", "--url", gateway.BaseUri.ToString());

        Assert.Empty(received);
        Assert.Equal(7, result.ExitCode);
        Assert.Contains("307", result.Error, StringComparison.Ordinal);
        Assert.Contains(elsewhere.At("admin/v1/tenants/acme/suspend").ToString(), result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("location-secret", result.Error + result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminToken, result.Error + result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PinMcp_ServerRedirects_SecondServerNeverSeesTheHeader()
    {
        var received = new ConcurrentQueue<string>();
        await using var elsewhere = await KestrelUpstream.StartAsync(
            app =>
            {
                Record(app, received);
                app.MapMcp("/mcp");
            },
            builder => builder.Services.AddMcpServer().WithHttpTransport().WithListToolsHandler((_, _) => ValueTask.FromResult(new ListToolsResult
            {
                Tools = [new Tool { Name = "search", InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone() }],
            })));
        await using var server = await KestrelUpstream.StartAsync(app => app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = elsewhere.At("mcp").ToString();
            return Task.CompletedTask;
        }));

        var headers = Path.Combine(Directory.CreateTempSubdirectory("pin-mcp-").FullName, "headers");
        File.WriteAllLines(headers, ["Authorization: Bearer secret", "X-Api-Key: api-key-secret"]);

        var result = await CliRun.RunAsync("catalog", "pin-mcp", "--url", server.At("mcp").ToString(), "--connector", "docs", "--header-file", headers);

        Assert.Empty(received);
        Assert.Equal(7, result.ExitCode);
        Assert.Contains("307", result.Error, StringComparison.Ordinal);
        Assert.Contains(elsewhere.At("mcp").ToString(), result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Error + result.Out, StringComparison.Ordinal);
    }

    // Every request the second server receives, with its credential headers.
    private static void Record(WebApplication app, ConcurrentQueue<string> received) => app.Use((context, next) =>
    {
        received.Enqueue($"{context.Request.Method} {context.Request.Path} authorization={context.Request.Headers.Authorization} x-api-key={context.Request.Headers["X-Api-Key"]}");
        return next(context);
    });
}
