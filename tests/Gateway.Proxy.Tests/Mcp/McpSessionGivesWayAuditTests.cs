using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// An <c>initialize</c> that makes an agent's idle session give way (the agent at its session limit) is recorded, under the
/// tool <c>mcp</c>, before that session is ended; one that finds room ends nothing and is recorded as nothing. A store
/// that fails while the session gives way (or while a request's session is checked) is answered 503 and recorded under
/// <c>mcp</c>, right after the entry that said it would give way.
/// </summary>
public sealed class McpSessionGivesWayAuditTests : IAsyncLifetime
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private readonly SessionStoreFault _fault = new();
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(
        settings: new Dictionary<string, string?> { ["Gateway:Mcp:MaxSessionsPerAgent"] = "1" },
        configure: builder => builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => _fault.Wrap(store))));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Initialize_AtTheSessionLimit_TheSessionGivingWayIsRecorded()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");

        var (status, requestId, _) = await InitializeRawAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        var record = Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId));
        Assert.Equal("mcp_session_gave_way", record.GetProperty("decision").GetString());
        Assert.Equal("mcp", record.GetProperty("tool").GetString());
        var (gone, _) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", ("Mcp-Session-Id", first.SessionId!), ("MCP-Protocol-Version", "2025-11-25"));
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Initialize_WithRoom_IsRecordedAsNothing()
    {
        var (status, requestId, _) = await InitializeRawAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(await _mcp.Gateway.AuditRecordsAsync(requestId));
    }

    [Fact]
    public async Task Initialize_StoreFailsWhileMakingRoom_Refuses503AndRecordsItAfterTheEntry()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        _fault.Failing = nameof(IStateStore.DeleteAsync);

        var (status, requestId, body) = await InitializeRawAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ProblemCodes.StoreUnavailable, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        var records = await _mcp.Gateway.AuditRecordsAsync(requestId);
        Assert.Equal(["mcp_session_gave_way", "refused:" + ProblemCodes.StoreUnavailable], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.All(records, r => Assert.Equal("mcp", r.GetProperty("tool").GetString()));
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, records[1].GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Request_StoreFailsCheckingItsSession_Refuses503AndRecordsIt()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        _fault.Failing = nameof(IStateStore.GetAsync);

        var (status, answer) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", ("Mcp-Session-Id", first.SessionId!), ("MCP-Protocol-Version", "2025-11-25"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ProblemCodes.StoreUnavailable, answer.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        var record = Assert.Single(await RecordsDecidedAsync("refused:" + ProblemCodes.StoreUnavailable));
        Assert.Equal("mcp", record.GetProperty("tool").GetString());
    }

    // Every audit record of tenant demo decided `decision`.
    private async Task<List<JsonElement>> RecordsDecidedAsync(string decision)
    {
        using var page = JsonDocument.Parse(await _mcp.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("decision").GetString() == decision).Select(static r => r.Clone())];
    }

    private async Task<(HttpStatusCode Status, string RequestId, string Body)> InitializeRawAsync()
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response.StatusCode, response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The gateway's store, its <see cref="Failing"/> call on an MCP session's record failing as an unavailable store fails it.</summary>
    private sealed class SessionStoreFault
    {
        private volatile string? _failing;

        /// <summary>The name of the store's method that fails on a session's record (null: none).</summary>
        public string? Failing
        {
            get => _failing;
            set => _failing = value;
        }

        public IStateStore Wrap(IStateStore inner) =>
            InterceptedStateStore.Wrap(inner, (method, args, call) =>
                method.Name != Failing || args is not [string key, ..] || !key.Contains(":mcp-session:", StringComparison.Ordinal) ? call()
                : method.Name == nameof(IStateStore.GetAsync) ? ValueTask.FromException<string?>(new StateStoreUnavailableException("Injected: the store went down."))
                : ValueTask.FromException<bool>(new StateStoreUnavailableException("Injected: the store went down.")));
    }
}
