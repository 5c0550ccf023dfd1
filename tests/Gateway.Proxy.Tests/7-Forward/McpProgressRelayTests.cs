using System.Text;
using Gateway.Connectors.Redaction;
using System.Text.Json;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Forward;

public sealed class McpProgressRelayTests : IDisposable
{
    private static readonly McpCallOrigin Origin = new("demo", "demo-agent", "notes", "http://127.0.0.1:1/mcp", "upstream-session-1");
    private readonly InMemoryStateStore _store = new();
    private readonly McpServerRequests _requests;

    public McpProgressRelayTests() => _requests = new McpServerRequests(_store, Options.Create(new McpEndpointOptions()));

    public void Dispose() => _store.Dispose();

    // The raw ids of the server's requests answered to it rather than relayed.
    private readonly List<string> _refused = [];

    private ValueTask Refuse(string id, CancellationToken cancellationToken)
    {
        _refused.Add(id);
        return ValueTask.CompletedTask;
    }

    private const string Progress = """{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1,"message":"for ada.lovelace@example.com"}}""";
    private const string Log = """{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"working"}}""";
    private const string Sampling = """{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"messages":[]}}""";
    private const string Result = """{"jsonrpc":"2.0","id":"1","result":{"content":[]}}""";

    [Fact]
    public async Task ReadAsync_NotificationsThenTheResult_RelaysTheNotificationsRedactedAndKeepsTheWholeBody()
    {
        var (context, relayed) = Context();
        var body = Events(Progress, Log, Result);

        var (read, more) = await McpProgressRelay.ReadAsync(context, new StringContent(body), 1 << 20, new RedactionCounts(), _requests, Origin, Refuse, CancellationToken.None);

        Assert.Equal(body, Encoding.UTF8.GetString(read));
        Assert.False(more);
        var sent = Encoding.UTF8.GetString(relayed.ToArray());
        Assert.Equal(2, sent.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("[REDACTED:email]", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("ada.lovelace@example.com", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("\"result\"", sent, StringComparison.Ordinal);
        Assert.Equal("text/event-stream", context.Response.ContentType);
    }

    [Fact]
    public async Task ReadAsync_ServerAsksTheClientForSampling_RelaysItUnderAnIdOfTheGatewaysAndKeepsWhereTheAnswerGoes()
    {
        var (context, relayed) = Context();

        var (read, _) = await McpProgressRelay.ReadAsync(context, new StringContent(Events(Progress, Sampling, Result)), 1 << 20, new RedactionCounts(), _requests, Origin, Refuse, CancellationToken.None);

        var sent = Encoding.UTF8.GetString(relayed.ToArray()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, sent.Length);
        var request = JsonDocument.Parse(sent[1][(sent[1].IndexOf("data: ", StringComparison.Ordinal) + 6)..]).RootElement;
        Assert.Equal("sampling/createMessage", request.GetProperty("method").GetString());
        var relayId = request.GetProperty("id").GetString()!;
        Assert.StartsWith(McpServerRequests.IdPrefix, relayId, StringComparison.Ordinal);
        var asked = await _requests.TakeAsync("demo", "demo-agent", JsonSerializer.Serialize(relayId), CancellationToken.None);
        Assert.Equal(new ServerRequestRecord("demo-agent", "notes", Origin.Upstream, "upstream-session-1", "\"s1\"", "sampling/createMessage"), asked);
        Assert.Null(await _requests.TakeAsync("demo", "demo-agent", JsonSerializer.Serialize(relayId), CancellationToken.None));
        Assert.Contains("\"result\"", Encoding.UTF8.GetString(read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ServerAsksTheClientForItsRoots_AnswersTheServerAndRelaysNothing()
    {
        var (context, relayed) = Context();
        const string Roots = """{"jsonrpc":"2.0","id":"r1","method":"roots/list","params":{}}""";

        var (read, _) = await McpProgressRelay.ReadAsync(context, new StringContent(Events(Roots, Result)), 1 << 20, new RedactionCounts(), _requests, Origin, Refuse, CancellationToken.None);

        Assert.Equal(0, relayed.Length);
        Assert.Equal("\"r1\"", Assert.Single(_refused));
        Assert.Contains("\"result\"", Encoding.UTF8.GetString(read), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ServerRequestWhoseIdLooksLikeACardNumber_KeepsTheServersIdAndRedactsWhatIsRelayed()
    {
        var (context, relayed) = Context();
        const string Elicitation = """{"jsonrpc":"2.0","id":4111111111111111,"method":"elicitation/create","params":{"message":"confirm for ada.lovelace@example.com"}}""";

        await McpProgressRelay.ReadAsync(context, new StringContent(Events(Elicitation)), 1 << 20, new RedactionCounts(), _requests, Origin, Refuse, CancellationToken.None);

        var sent = Encoding.UTF8.GetString(relayed.ToArray());
        Assert.DoesNotContain("ada.lovelace@example.com", sent, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", sent, StringComparison.Ordinal);
        var relayId = JsonDocument.Parse(sent[(sent.IndexOf("data: ", StringComparison.Ordinal) + 6)..]).RootElement.GetProperty("id").GetRawText();
        var asked = await _requests.TakeAsync("demo", "demo-agent", relayId, CancellationToken.None);
        Assert.Equal("4111111111111111", asked!.Id);
    }

    [Fact]
    public async Task TakeAsync_AnotherAgent_FindsNothingAndLeavesItForItsOwn()
    {
        var (context, relayed) = Context();
        await McpProgressRelay.ReadAsync(context, new StringContent(Events(Sampling)), 1 << 20, new RedactionCounts(), _requests, Origin, Refuse, CancellationToken.None);
        var sent = Encoding.UTF8.GetString(relayed.ToArray());
        var relayId = JsonDocument.Parse(sent[(sent.IndexOf("data: ", StringComparison.Ordinal) + 6)..]).RootElement.GetProperty("id").GetRawText();

        Assert.Null(await _requests.TakeAsync("demo", "rogue-agent", relayId, CancellationToken.None));
        Assert.Null(await _requests.TakeAsync("other-tenant", "demo-agent", relayId, CancellationToken.None));
        Assert.NotNull(await _requests.TakeAsync("demo", "demo-agent", relayId, CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_BodyOverTheLimit_SaysThereWasMore()
    {
        var (context, _) = Context();

        var (_, more) = await McpProgressRelay.ReadAsync(context, new StringContent(Events(Result)), 10, new RedactionCounts(), _requests, Origin, Refuse, CancellationToken.None);

        Assert.True(more);
    }

    private static string Events(params string[] data) => string.Concat(data.Select(d => "event: message\ndata: " + d + "\n\n"));

    private (HttpContext Context, MemoryStream Relayed) Context()
    {
        var relayed = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Response.Body = relayed;
        var feature = new GatewayRequestFeature("req-relay");
        feature.Add(new McpCallStream("demo", "demo-agent", _store, TimeSpan.FromMinutes(1), CancellationToken.None, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        context.Features.Set(feature);
        return (context, relayed);
    }
}
