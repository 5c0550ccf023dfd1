using System.Text;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// The end the Respond stage gives a governed call's event stream on <c>/mcp</c> that began and never got its answer (the
/// call was cancelled, ran out of time, or its server failed mid-call): one last event saying so, written once; nothing for
/// a call that was answered or a request without a stream.
/// </summary>
public sealed class UnansweredCallStreamTests : IDisposable
{
    private readonly InMemoryStateStore _store = new();

    [Fact]
    public async Task EndUnansweredStreamAsync_StreamBegunWithoutItsAnswer_EndsItOnceWithTheCallEnded()
    {
        var (context, body, stream) = Started();
        await stream.WriteAsync(context.Response, """{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}"""u8.ToArray(), last: false, CancellationToken.None);

        await RefusalResponse.EndUnansweredStreamAsync(context);
        await RefusalResponse.EndUnansweredStreamAsync(context);

        var events = Encoding.UTF8.GetString(body.ToArray()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, events.Length);
        Assert.Contains("\"id\":5", events[1], StringComparison.Ordinal);
        Assert.Contains("upstream_unavailable", events[1], StringComparison.Ordinal);
        Assert.False(stream.Unanswered);
    }

    [Fact]
    public async Task EndUnansweredStreamAsync_StreamThatEndedWithItsAnswer_WritesNothingMore()
    {
        var (context, body, stream) = Started();
        await stream.WriteAsync(context.Response, """{"jsonrpc":"2.0","id":5,"result":{}}"""u8.ToArray(), last: true, CancellationToken.None);
        var answered = body.Length;

        await RefusalResponse.EndUnansweredStreamAsync(context);

        Assert.Equal(answered, body.Length);
    }

    [Fact]
    public async Task EndUnansweredStreamAsync_RequestWithoutAStream_WritesNothing()
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new GatewayRequestFeature("req-no-stream"));

        await RefusalResponse.EndUnansweredStreamAsync(context);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.False(context.Response.HasStarted);
    }

    public void Dispose() => _store.Dispose();

    /// <summary>A governed call (JSON-RPC id 5) whose response has started, with its event stream.</summary>
    private (HttpContext Context, MemoryStream Body, McpCallStream Stream) Started()
    {
        var body = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(new StartedResponse());
        context.Response.Body = body;
        var feature = new GatewayRequestFeature("req-unanswered") { JsonRpcId = "5" };
        var stream = new McpCallStream("demo", "demo-agent", _store, TimeSpan.FromMinutes(1), CancellationToken.None, NullLogger.Instance);
        feature.Add(stream);
        context.Features.Set(feature);
        return (context, body, stream);
    }

    /// <summary>A response whose status and headers have gone out, as an event stream's have after its first event.</summary>
    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
