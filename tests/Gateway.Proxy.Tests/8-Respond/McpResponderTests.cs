using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// The responder of <c>/mcp</c>, constructed directly: a message the gateway served itself is answered with what its
/// destination answered, or, when the MCP server wrote its own answer, not a second time.
/// </summary>
public sealed class McpResponderTests
{
    [Fact]
    public async Task RespondAsync_ServedMessageTheDestinationAnswered_WritesThatAnswer()
    {
        var (context, feature) = Served();
        feature.Add(new LocalAnswer(Results.StatusCode(StatusCodes.Status202Accepted)));

        await using var harness = await StageHarness.StartAsync();

        await Responder(harness).RespondAsync(context, feature);

        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
        Assert.Null(feature.Find<Refusal>());
    }

    [Fact]
    public async Task RespondAsync_ServedMessageTheMcpServerAnswered_WritesNothingMore()
    {
        var (context, feature) = Served();
        context.Response.StatusCode = StatusCodes.Status201Created;

        await using var harness = await StageHarness.StartAsync();

        await Responder(harness).RespondAsync(context, feature);

        Assert.Equal(StatusCodes.Status201Created, context.Response.StatusCode);
        Assert.Equal(0, context.Response.Body.Length);
        Assert.Null(feature.Find<Refusal>());
    }

    /// <summary>The responder as the gateway registers it, with its governed calls' responder.</summary>
    private static McpResponder Responder(StageHarness harness) => ActivatorUtilities.CreateInstance<McpResponder>(harness.Services);

    /// <summary>A <c>ping</c> the gateway served itself (its local action and message), with a response body to read.</summary>
    private static (HttpContext Context, GatewayRequestFeature Feature) Served()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        var feature = new GatewayRequestFeature("req-served");
        feature.Add(new LocalAction(McpEndpoint.AuditTool, LocalAdmission.RateLimited) { State = new McpServedMessage(McpMessage.None, SessionId: null) });
        context.Features.Set(feature);
        return (context, feature);
    }
}
