using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A governed call's event stream on <c>/mcp</c> is resumable: every event has an id, a client whose connection is cut
/// mid-call reconnects with <c>GET /mcp</c> and <c>Last-Event-ID</c> and gets what it missed and the answer, and the call
/// itself goes on at the server meanwhile. A call that ends without its answer after its stream began (cancelled, its
/// server gone) ends the stream with an error and has its outcome recorded.
/// </summary>
public sealed class McpCallStreamTests : IAsyncLifetime
{
    private const string LongCall = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"},"_meta":{"progressToken":"cut"}}}""";

    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task CallStream_EveryEvent_CarriesAnIdOfTheStreamInOrder()
    {
        var (_, body) = await _mcp.PostRawAsync(LongCall);

        var ids = SseEvents.Parse(body).Select(e => e.Id).ToList();

        Assert.Equal(4, ids.Count);
        Assert.All(ids, id => Assert.Matches("^gamut-call-[0-9a-f]{32}\\.[1-4]$", id));
        Assert.Single(ids.Select(id => id![..^2]).Distinct());
        Assert.Equal(["1", "2", "3", "4"], ids.Select(id => id![^1..]));
    }

    [Fact]
    public async Task Resume_StreamCutMidCall_ReplaysWhatWasMissedThenFollowsTheCallToItsAnswer()
    {
        _mcp.Notes.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (first, _) = await CutAfterFirstEventAsync(LongCall);

        // The client is gone; the call goes on at the server.
        _mcp.Notes.HoldAfterFirstStep.SetResult();
        using var resumed = await ResumeAsync(_mcp.SignedHttp(), first.Id!);
        var rest = SseEvents.Parse(await resumed.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("text/event-stream", resumed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, first.Json.GetProperty("params").GetProperty("progress").GetInt32());
        Assert.Equal([2, 3], rest.Take(2).Select(e => e.Json.GetProperty("params").GetProperty("progress").GetInt32()));
        var answer = rest[^1].Json;
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        Assert.Equal("find ran with {\"text\":\"long\"}", answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("allow", answer.GetProperty("result").GetProperty("_meta").GetProperty("gamut.dev/decision").GetString());
        Assert.Equal([first.Id![..^1] + "2", first.Id[..^1] + "3", first.Id[..^1] + "4"], rest.Select(e => e.Id));
        Assert.Single(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task Resume_SameStreamTwiceConcurrently_SecondIsRefused()
    {
        _mcp.Notes.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (first, _) = await CutAfterFirstEventAsync(LongCall);
        using var http = _mcp.SignedHttp();
        using var live = await SendResumeAsync(http, first.Id!);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var otherHttp = _mcp.SignedHttp();
        using var second = await SendResumeAsync(otherHttp, first.Id!);
        var refusedStatus = second.StatusCode;
        _mcp.Notes.HoldAfterFirstStep.SetResult();
        var refused = await second.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var rest = SseEvents.Parse(await live.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(HttpStatusCode.Conflict, refusedStatus);
        Assert.Equal("mcp_stream_in_use", JsonDocument.Parse(refused).RootElement.GetProperty("code").GetString());
        Assert.Equal(7, rest[^1].Json.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Resume_AfterAnEarlierEvent_ReplaysFromThere()
    {
        var (_, body) = await _mcp.PostRawAsync(LongCall);
        var events = SseEvents.Parse(body);

        using var resumed = await ResumeAsync(_mcp.SignedHttp(), events[1].Id!);
        var rest = SseEvents.Parse(await resumed.Content.ReadAsStringAsync());

        Assert.Equal(events.Skip(2).Select(e => e.Id), rest.Select(e => e.Id));
        Assert.Equal(events[3].Json.GetRawText(), rest[^1].Json.GetRawText());
    }

    [Fact]
    public async Task Resume_AfterTheAnswer_HasNothingMore()
    {
        var (_, body) = await _mcp.PostRawAsync(LongCall);

        using var resumed = await ResumeAsync(_mcp.SignedHttp(), SseEvents.Parse(body)[^1].Id!);

        Assert.Equal(HttpStatusCode.NoContent, resumed.StatusCode);
    }

    [Fact]
    public async Task Resume_AnotherAgentsStream_IsRefusedAsUnknown()
    {
        var (_, body) = await _mcp.PostRawAsync(LongCall);
        var eventId = SseEvents.Parse(body)[0].Id!;

        using var resumed = await ResumeAsync(_mcp.SignedHttp("rogue-agent", _mcp.Gateway.RogueSecret), eventId);
        var problem = JsonDocument.Parse(await resumed.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, resumed.StatusCode);
        Assert.Equal("mcp_stream_unknown", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("find ran", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gamut-call-00000000000000000000000000000000.1")]
    [InlineData("gamut-call-0123456789abcdef0123456789abcdef.99")]
    public async Task Resume_UnknownStreamOrEvent_IsRefusedAsUnknown(string eventId)
    {
        using var resumed = await ResumeAsync(_mcp.SignedHttp(), eventId);

        Assert.Equal(HttpStatusCode.NotFound, resumed.StatusCode);
        Assert.Equal("mcp_stream_unknown", JsonDocument.Parse(await resumed.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cancelled_ACallWhoseClientIsGone_EndsAtTheServerAndItsOutcomeIsRecorded()
    {
        _mcp.Notes.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (first, requestId) = await CutAfterFirstEventAsync(LongCall);

        await _mcp.PostRawAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"gone for good"}}""");
        using var resumed = await ResumeAsync(_mcp.SignedHttp(), first.Id!);
        var rest = SseEvents.Parse(await resumed.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        _mcp.Notes.HoldAfterFirstStep.TrySetResult();

        var answer = Assert.Single(rest).Json;
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        Assert.True(answer.TryGetProperty("error", out _), answer.GetRawText());
        var outcome = await OutcomeAsync(requestId);
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Cancelled_ACallToABeforeResponseEntry_OutcomeIsRecorded()
    {
        // notes.find asks for its outcome before the response: that append ran on the call's own lifetime, which the cancel ended.
        await _mcp.DisposeAsync();
        _mcp = await McpGateway.StartAsync(static text => text.Replace("mcp_tool: find }", "mcp_tool: find, audit: { outcome: before_response } }", StringComparison.Ordinal));
        _mcp.Notes.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (first, requestId) = await CutAfterFirstEventAsync(LongCall);

        await _mcp.PostRawAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"gone for good"}}""");
        using var resumed = await ResumeAsync(_mcp.SignedHttp(), first.Id!);
        var rest = SseEvents.Parse(await resumed.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        _mcp.Notes.HoldAfterFirstStep.TrySetResult();

        Assert.True(Assert.Single(rest).Json.TryGetProperty("error", out _));
        var outcome = await OutcomeAsync(requestId);
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Cancelled_ACallWhilePinIsChecked_ItsDecisionHasAnOutcome()
    {
        // files.write is pinned: Enforce lists the server's tools (held here) after the decision is on record.
        _mcp.Files.HoldListing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listings = _mcp.Files.Listings;
        var call = _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"files__write_file","arguments":{"text":"x"}}}""");
        await Eventually.HoldsAsync(() => _mcp.Files.Listings > listings, TimeSpan.FromSeconds(10), "the pin check did not list the server's tools within 10 s");

        await _mcp.PostRawAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9,"reason":"gone for good"}}""");
        await Xunit.Record.ExceptionAsync(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
        _mcp.Files.HoldListing.TrySetResult();

        var records = await Eventually.ReturnsAsync(() => RecordsOfToolAsync("files.write"),
            static found => found.Count >= 2, TimeSpan.FromSeconds(10),
            found => $"the decision has no outcome: {string.Join('\n', found?.Select(static r => r.GetRawText()) ?? [])}");
        Assert.Equal(2, records.Count);
        Assert.Equal(records[0].GetProperty("request_id").GetString(), records[1].GetProperty("request_id").GetString());
        Assert.Equal(502, records[1].GetProperty("status_code").GetInt32());
        Assert.False(records[1].TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
    }

    [Fact]
    public async Task ServerDropsMidCall_AfterAProgressEvent_EndsTheStreamWithAnErrorAndRecordsTheOutcome()
    {
        var logs = new FakeLogCollector();
        _mcp.Gateway.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(logs));
        _mcp.Notes.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _mcp.Notes.DropAfterFirstStep = true;

        var (requestId, events) = await ReadAcrossFirstEventAsync(LongCall, _mcp.Notes.HoldAfterFirstStep);

        Assert.Equal(2, events.Count);
        Assert.Equal(1, events[0].Json.GetProperty("params").GetProperty("progress").GetInt32());
        var answer = events[1].Json;
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        Assert.Equal("upstream_unavailable", answer.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        var outcome = await OutcomeAsync(requestId);
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
        var errors = logs.GetSnapshot().Where(static r => r.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, LoggedText.Of(errors));
    }

    /// <summary>The outcome record (invoked) of the request <paramref name="requestId"/>, once the journal has it.</summary>
    private async Task<JsonElement> OutcomeAsync(string requestId)
    {
        var records = await Eventually.ReturnsAsync(() => _mcp.Gateway.AuditRecordsAsync(requestId), static found => found.Any(IsOutcome), TimeSpan.FromSeconds(10),
            found => $"no outcome record for {requestId}: {string.Join('\n', found?.Select(static r => r.GetRawText()) ?? [])}");
        return Assert.Single(records, IsOutcome);

        static bool IsOutcome(JsonElement record) => record.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean();
    }

    /// <summary>Every audit record of tenant demo under <paramref name="tool"/>, in journal order (every page read).</summary>
    private async Task<List<JsonElement>> RecordsOfToolAsync(string tool)
    {
        var found = new List<JsonElement>();
        long? start = 0;
        while (start is { } from)
        {
            var page = JsonDocument.Parse(await _mcp.Gateway.Admin().GetStringAsync($"/admin/v1/tenants/demo/audit?start={from}&limit=1000")).RootElement.Clone();
            found.AddRange(page.GetProperty("records").EnumerateArray().Where(r => r.TryGetProperty("tool", out var named) && named.GetString() == tool));
            start = page.TryGetProperty("next_start", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
        }

        return found;
    }

    /// <summary>Posts <paramref name="call"/>, reads its stream's first event and cuts the connection; returns it and the request's id.</summary>
    private async Task<(SseEvent First, string RequestId)> CutAfterFirstEventAsync(string call)
    {
        using var http = _mcp.SignedHttp();
        using var response = await SendStreamedAsync(http, call);
        return (await SseEvents.ReadFirstAsync(await response.Content.ReadAsStreamAsync()), Assert.Single(response.Headers.GetValues("X-Request-Id")));
    }

    /// <summary>Posts <paramref name="call"/>, reads its stream's first event, lets <paramref name="afterFirst"/> go and reads the stream to its end.</summary>
    private async Task<(string RequestId, IReadOnlyList<SseEvent> Events)> ReadAcrossFirstEventAsync(string call, TaskCompletionSource afterFirst)
    {
        using var http = _mcp.SignedHttp();
        using var response = await SendStreamedAsync(http, call);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new StringBuilder();
        var buffer = new char[1024];
        while (!seen.ToString().Contains("\n\n", StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(read > 0, $"the stream ended before its first event: {seen}");
            seen.Append(buffer, 0, read);
        }

        afterFirst.SetResult();
        seen.Append(await body.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        return (Assert.Single(response.Headers.GetValues("X-Request-Id")), SseEvents.Parse(seen.ToString()));
    }

    /// <summary>Posts <paramref name="call"/> accepting an event stream, and returns once the response's headers are in.</summary>
    private static async Task<HttpResponseMessage> SendStreamedAsync(HttpClient http, string call)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(call, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Resumes the stream after <paramref name="lastEventId"/> and returns once the response's headers are in.</summary>
    private static async Task<HttpResponseMessage> SendResumeAsync(HttpClient http, string lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task<HttpResponseMessage> ResumeAsync(HttpClient http, string lastEventId)
    {
        using (http)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
            request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            var response = await http.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            return response;
        }
    }
}
