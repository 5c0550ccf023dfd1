using System.Text;
using Gateway.Connectors.Redaction;
using Gateway.Proxy.Forward;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Transforms;

public sealed class McpProgressRelayTests
{
    private const string Progress = """{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1,"message":"for ada.lovelace@example.com"}}""";
    private const string Log = """{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"working"}}""";
    private const string Sampling = """{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"messages":[]}}""";
    private const string Result = """{"jsonrpc":"2.0","id":"1","result":{"content":[]}}""";

    [Fact]
    public async Task ReadAsync_NotificationsThenTheResult_RelaysTheNotificationsRedactedAndKeepsTheWholeBody()
    {
        var (context, relayed) = Context();
        var body = Events(Progress, Log, Result);

        var (read, more, serverRequest) = await McpProgressRelay.ReadAsync(context, new StringContent(body), 1 << 20, new RedactionCounts(), CancellationToken.None);

        Assert.Equal(body, Encoding.UTF8.GetString(read));
        Assert.False(more);
        Assert.Null(serverRequest);
        var sent = Encoding.UTF8.GetString(relayed.ToArray());
        Assert.Equal(2, sent.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("[REDACTED:email]", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("ada.lovelace@example.com", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("\"result\"", sent, StringComparison.Ordinal);
        Assert.Equal("text/event-stream", context.Response.ContentType);
    }

    [Fact]
    public async Task ReadAsync_ServerAsksTheClientForSampling_StopsAndNamesTheRequest()
    {
        var (context, relayed) = Context();

        var (_, _, serverRequest) = await McpProgressRelay.ReadAsync(context, new StringContent(Events(Progress, Sampling, Result)), 1 << 20, new RedactionCounts(), CancellationToken.None);

        Assert.Equal("sampling/createMessage", serverRequest);
        Assert.DoesNotContain("sampling", Encoding.UTF8.GetString(relayed.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BodyOverTheLimit_SaysThereWasMore()
    {
        var (context, _) = Context();

        var (_, more, _) = await McpProgressRelay.ReadAsync(context, new StringContent(Events(Result)), 10, new RedactionCounts(), CancellationToken.None);

        Assert.True(more);
    }

    private static string Events(params string[] data) => string.Concat(data.Select(d => "event: message\ndata: " + d + "\n\n"));

    private static (HttpContext Context, MemoryStream Relayed) Context()
    {
        var relayed = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Response.Body = relayed;
        return (context, relayed);
    }
}
