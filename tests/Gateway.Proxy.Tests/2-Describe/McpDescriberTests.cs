using System.Text;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// The Describe stage's describer of <c>/mcp</c>, constructed with the gateway's policy, origins and sessions and given a
/// request's records: what it adds (the message, a governed call's action, a served message's local action) or the
/// refusal it makes, with the dialect and JSON-RPC id the refusal is written in.
/// </summary>
public sealed class McpDescriberTests(GovernedGatewayFixture fixture) : IClassFixture<GovernedGatewayFixture>
{
    internal static readonly AgentIdentity Agent = new(new AuthenticatedCaller(DemoBundle.Tenant, DemoBundle.Workspace, DemoBundle.Agent), "nonce-describer", 0);

    [Fact]
    public async Task DescribeAsync_ToolsCall_DescribesTheGovernedCallUnderItsCatalogName()
    {
        var (feature, action, refusal) = await DescribeAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"crm_read_contact","arguments":{"id":"42"}}}""");

        Assert.Null(refusal);
        Assert.Equal("crm.read_contact", action!.Request.Tool);
        Assert.Equal("7", feature.JsonRpcId);
        Assert.Equal(RefusalDialect.JsonRpc, feature.Dialect);
        Assert.Equal("tools/call", feature.Get<McpMessage>().Method);
        Assert.Null(feature.Find<LocalAction>());
    }

    [Fact]
    public async Task DescribeAsync_ToolsList_IsALocalActionAdmittedUnderMcpWithItsMessage()
    {
        var (feature, action, refusal) = await DescribeAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");

        Assert.Null(action);
        Assert.Null(refusal);
        var local = feature.Get<LocalAction>();
        Assert.Equal(McpEndpoint.AuditTool, local.Tool);
        Assert.Equal(LocalAdmission.RateLimited, local.Admission);
        Assert.Null(local.Entry);
        Assert.Equal("tools/list", local.StateOf<McpServedMessage>().Message.Method);
        Assert.Null(local.StateOf<McpServedMessage>().SessionId);
    }

    [Fact]
    public async Task DescribeAsync_Batch_IsRefusedAsMalformedAndNothingIsDescribed()
    {
        var (feature, action, refusal) = await DescribeAsync("""[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"ping"}]""");

        Assert.Null(action);
        Assert.Equal(StatusCodes.Status400BadRequest, refusal!.Status);
        Assert.Equal(ProblemCodes.MalformedBody, refusal.Code);
        Assert.Null(feature.Find<McpMessage>());
        Assert.Null(feature.Find<LocalAction>());
    }

    [Fact]
    public async Task DescribeAsync_OriginNotAllowed_IsA403WithAJsonRpcErrorWithoutIdRecordedUnderMcp()
    {
        var (feature, action, refusal) = await DescribeAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", request => request.Headers.Origin = "https://evil.example");

        Assert.Null(action);
        Assert.Equal(ProblemCodes.OriginNotAllowed, refusal!.Code);
        Assert.True(refusal.JsonRpcKeepsStatus);
        Assert.Equal(McpEndpoint.AuditTool, refusal.AuditTool);
        Assert.Equal("null", feature.JsonRpcId);
        Assert.Null(feature.Find<McpMessage>());
    }

    [Fact]
    public async Task DescribeAsync_MirroredMethodDisagreesWithTheBody_IsRefused()
    {
        var (_, action, refusal) = await DescribeAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", request => request.Headers["Mcp-Method"] = "tools/call");

        Assert.Null(action);
        Assert.Equal(ProblemCodes.McpHeaderMismatch, refusal!.Code);
    }

    [Fact]
    public async Task DescribeAsync_SessionNoLongerLive_IsA404SaidInHttp()
    {
        var (feature, action, refusal) = await DescribeAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", request => request.Headers["Mcp-Session-Id"] = "0123456789abcdef0123456789abcdef");

        Assert.Null(action);
        Assert.Equal(StatusCodes.Status404NotFound, refusal!.Status);
        Assert.Null(feature.JsonRpcId);
        Assert.Null(feature.Find<LocalAction>());
    }

    private async Task<(GatewayRequestFeature Feature, DescribedAction? Action, Refusal? Refusal)> DescribeAsync(string body, Action<HttpRequest>? shape = null)
    {
        var (_, feature, action, refusal) = await DescribeAsync(fixture.Gateway.Host.Services, body, shape);
        return (feature, action, refusal);
    }

    /// <summary>A <c>POST /mcp</c> of <paramref name="body"/> by the demo agent, described by the describer made of the gateway's services.</summary>
    internal static async Task<(HttpContext Context, GatewayRequestFeature Feature, DescribedAction? Action, Refusal? Refusal)> DescribeAsync(
        IServiceProvider services, string body, Action<HttpRequest>? shape = null)
    {
        var describer = new McpDescriber(services.GetRequiredService<PolicyProvider>(), services.GetRequiredService<McpOrigins>(), services.GetRequiredService<McpSessions>(),
            services.GetRequiredService<McpServerCallAnswers>(), services.GetRequiredService<McpResourceSubscriptions>());
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = McpEndpoint.Path;
        context.Request.ContentType = "application/json";
        shape?.Invoke(context.Request);
        var feature = new GatewayRequestFeature("req_describer");
        context.Features.Set(feature);
        var bytes = Encoding.UTF8.GetBytes(body);
        var (action, refusal) = await describer.DescribeAsync(context, feature, new AuthenticatedRequest(Agent, bytes));
        return (context, feature, action, refusal);
    }
}
