using Gateway.Proxy.Hosting;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// The request the MCP server serves is seen by its handlers in the request's execution context (the SDK runs a message's
/// handler in the context captured when it was posted), and by none once the request ended, not even from a context
/// captured during it; a context that never served one sees none.
/// </summary>
public sealed class McpServedRequestTests
{
    [Fact]
    public void Current_WhileServedAndFromAContextCapturedThen_IsTheRequestUntilItEnds()
    {
        var feature = new GatewayRequestFeature("req_served");
        GatewayRequestFeature? during = null;
        GatewayRequestFeature? capturedDuring = null;
        GatewayRequestFeature? capturedAfter = feature;
        ExecutionContext captured;

        using (McpServedRequest.Serve(feature))
        {
            during = McpServedRequest.Current;
            captured = ExecutionContext.Capture()!;
            ExecutionContext.Run(captured, _ => capturedDuring = McpServedRequest.Current, null);
        }

        ExecutionContext.Run(captured, _ => capturedAfter = McpServedRequest.Current, null);

        Assert.Same(feature, during);
        Assert.Same(feature, capturedDuring);
        Assert.Null(capturedAfter);
    }

    [Fact]
    public async Task Current_InAFlowThatServedNone_IsNone()
    {
        var seen = await Task.Run(static () => McpServedRequest.Current);

        Assert.Null(seen);
    }
}
