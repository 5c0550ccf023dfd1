using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Incidents;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A governed call on <c>/mcp</c> whose lifetime ends after its decision is on record (the client's
/// <c>notifications/cancelled</c>, the idle timeout): what the recorded decision asks to be written is written all the same
/// (an incident it names is opened), and a client still connected is answered with the refusal recorded as the decision's
/// outcome, never with the host's own error.
/// </summary>
public sealed class McpCallEndedTests
{
    private const string ShellCall = """{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"shell_exec","arguments":{"cmd":"curl"}}}""";

    [Fact]
    public async Task Cancelled_ABlockedCallWhileItsIncidentOpens_IncidentOpenedOrRefusalRecorded()
    {
        var incidents = new HeldIncidents();
        await using var mcp = await McpGateway.StartAsync(configure: builder =>
            builder.Services.AddSingleton<IIncidentStore>(sp => incidents.Around(new StateStoreIncidentStore(sp.GetRequiredService<IStateStore>()))));
        using var rogue = mcp.SignedHttp("rogue-agent", mcp.Gateway.RogueSecret);
        var call = PostAsync(rogue, ShellCall);

        // block_and_open_incident is on record: its incident is being opened when the client cancels the call.
        await incidents.Reached.WaitAsync(TimeSpan.FromSeconds(20));
        (await PostAsync(rogue, """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":11,"reason":"never mind"}}""")).Dispose();

        incidents.Release();
        await Xunit.Record.ExceptionAsync(() => call.WaitAsync(TimeSpan.FromSeconds(20)));

        var records = await Eventually.ReturnsAsync(() => RecordsOfToolAsync(mcp, "shell.exec"),
            found => incidents.Opened || found.Count >= 2, TimeSpan.FromSeconds(20),
            found => $"the record names an incident that was never opened, and no refusal follows it: {string.Join('\n', found?.Select(static r => r.GetRawText()) ?? [])}");
        Assert.Equal("block_and_open_incident", records[0].GetProperty("decision").GetString());
        Assert.True(incidents.Opened);
    }

    [Fact]
    public async Task IdleTimeout_ACallWhilePinIsChecked_AnsweredWithTheRecordedCode()
    {
        // The call's lifetime is the session idle timeout (its least, 10 s); files.write is pinned: Enforce lists the
        // server's tools (held here until the lifetime is over) after the decision is on record.
        await using var mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:Mcp:IdleTimeout"] = "00:00:10" });
        mcp.Files.HoldListing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var http = mcp.SignedHttp();

        using var response = await PostAsync(http, """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"files__write_file","arguments":{"text":"x"}}}""").WaitAsync(TimeSpan.FromSeconds(60));
        var body = await response.Content.ReadAsStringAsync();
        mcp.Files.HoldListing.TrySetResult();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(9, answer.GetProperty("id").GetInt32());
        Assert.Equal("upstream_unavailable", answer.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        var records = await Eventually.ReturnsAsync(() => RecordsOfToolAsync(mcp, "files.write"), static found => found.Count >= 2, TimeSpan.FromSeconds(10),
            found => $"the decision has no outcome: {string.Join('\n', found?.Select(static r => r.GetRawText()) ?? [])}");
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Request-Id")), records[1].GetProperty("request_id").GetString());
        Assert.Equal(502, records[1].GetProperty("status_code").GetInt32());
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        return http.SendAsync(request);
    }

    /// <summary>Every audit record of tenant demo under <paramref name="tool"/>, in journal order.</summary>
    private static async Task<List<JsonElement>> RecordsOfToolAsync(McpGateway mcp, string tool)
    {
        using var page = JsonDocument.Parse(await mcp.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Where(r => r.TryGetProperty("tool", out var named) && named.GetString() == tool).Select(static r => r.Clone())];
    }

    /// <summary>
    /// The gateway's incident store, its first append held once reached: one bound to its request's cancellation is given up
    /// when that is cancelled (as a store honouring its token gives it up), any other goes on once released.
    /// </summary>
    private sealed class HeldIncidents
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _opened;

        public Task Reached => _reached.Task;

        /// <summary>Whether the store took the incident.</summary>
        public bool Opened => _opened;

        public void Release() => _released.TrySetResult();

        public IIncidentStore Around(IIncidentStore inner) => new Store(inner, this);

        private async ValueTask AppendAsync(IIncidentStore inner, Incident incident, bool notify, CancellationToken cancellationToken)
        {
            _reached.TrySetResult();
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (cancellationToken.Register(() => cancelled.TrySetResult()))
            {
                await (cancellationToken.CanBeCanceled ? cancelled.Task : _released.Task).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            await inner.AppendAsync(incident, notify, cancellationToken).ConfigureAwait(false);
            _opened = true;
        }

        private sealed class Store(IIncidentStore inner, HeldIncidents held) : IIncidentStore
        {
            public ValueTask AppendAsync(Incident incident, bool notify, CancellationToken cancellationToken = default) => held.AppendAsync(inner, incident, notify, cancellationToken);

            public ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, limit, cancellationToken);

            public ValueTask<IReadOnlyList<IncidentOutboxEntry>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken = default) =>
                inner.ClaimDueAsync(now, leaseUntil, max, cancellationToken);

            public ValueTask RecordDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken = default) =>
                inner.RecordDeliveryAsync(tenant, incidentId, delivery, cancellationToken);
        }
    }
}
