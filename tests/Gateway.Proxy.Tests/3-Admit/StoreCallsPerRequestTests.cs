using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Gateway.Oversight.Agents;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// The Admit stage is one store call: an allowed request touches the state store exactly once
/// (<c>admit</c>: nonce, kill switches and rate limits together; the audit journal here is on file,
/// <c>Gateway:Audit:Sink=file</c>, so that every call counted is the admission's: on the embedded default the decision
/// record rides that call, <see cref="StoreCallsOnTheEmbeddedDefaultTests"/>), and a replay is refused by that same single call. A model call under a token budget reserves its
/// tokens in that same call and settles once; one that is not forwarded gives its reservation back.
/// Counted by a decorator around the gateway's real store.
/// </summary>
public sealed class StoreCallsPerRequestTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Request, string Call)> _calls = new();
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(configure: builder =>
    {
        builder.Configuration["Gateway:Audit:Sink"] = "file";
        CountingStateStore.CountInto(builder, _calls);
    });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_Allowed_MakesExactlyOneStoreCall()
    {
        using var warm = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-warm"}}""");
        await DecisionJson.DecisionAsync(warm, "allow");

        var calls = await CallsOfAsync(_gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""), HttpStatusCode.OK);

        Assert.Equal(["admit"], calls);
    }

    [Fact]
    public async Task InvokeTool_WithAnEvaluationsToken_RecordsItsOwnAndUsesThePresentedOneInTheOneStoreCall()
    {
        using var evaluate = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"c-3"}}""");
        var token = (await DecisionJson.DecisionAsync(evaluate, "allow")).GetProperty("decision_token").GetString()!;
        var action = _gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-3"}}""");
        action.Headers.TryAddWithoutValidation("X-Gamut-Decision-Token", token);

        var calls = await CallsOfAsync(action, HttpStatusCode.OK);

        Assert.Equal(["admit"], calls);
        var forwarded = _gw.Upstream.To("/crm/contacts/c-3").Single().Headers["X-Gamut-Decision-Token"];
        var store = _gw.Host.Services.GetRequiredService<IStateStore>();
        Assert.Equal([TokenRecording.Used, TokenRecording.Issued],
            await store.GetManyAsync([RecordKeyOf(token), RecordKeyOf(forwarded)]));
    }

    [Fact]
    public async Task Evaluate_Replayed_IsRefusedByTheSameSingleStoreCall()
    {
        using var original = _gw.Agent.Create(HttpMethod.Post, "/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"c-2"}}""");
        using var replay = await AgentClient.CloneAsync(original);
        Assert.Equal(["admit"], await CallsOfAsync(original, HttpStatusCode.OK));

        var calls = await CallsOfAsync(replay, HttpStatusCode.Unauthorized);

        Assert.Equal(["admit"], calls);
    }

    [Fact]
    public async Task ModelAction_UnderABudget_ReservesInTheAdmissionCallThenSettlesOnce()
    {
        using var warm = await _gw.Agent.PostJsonAsync("/v1/actions/model", ModelCall("warm"));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        var calls = await CallsOfAsync(_gw.Agent.Create(HttpMethod.Post, "/v1/actions/model", ModelCall("reserved")), HttpStatusCode.OK, settles: true);

        Assert.Equal(["admit", "settle"], calls);
    }

    [Fact]
    public async Task ModelAction_BlockedBySuspension_ReleasesTheAdmissionsReservation()
    {
        var store = _gw.Host.Services.GetRequiredService<IStateStore>();
        var budget = StoreKeys.Budget("demo", "demo-agent:openai");
        await store.SetAsync(AgentStatusService.SuspendedKey("demo", "demo-agent"), "test", null);
        string[] calls;
        try
        {
            calls = await CallsOfAsync(_gw.Agent.Create(HttpMethod.Post, "/v1/actions/model", ModelCall("blocked")), HttpStatusCode.Forbidden, settles: true);
        }
        finally
        {
            await store.DeleteAsync(AgentStatusService.SuspendedKey("demo", "demo-agent"));
        }

        // Reserved with the admission, given back whole once the decision blocked: the budget (50,000 an hour) is untouched.
        Assert.Equal(["admit", "settle"], calls);
        var whole = await store.TryReserveAsync(budget, 50000, 50000, TimeSpan.FromHours(1));
        Assert.True(whole.Reserved, $"the budget holds {whole.Used} tokens after a blocked call");
        await store.SettleAsync(budget, 50000, 0, TimeSpan.FromHours(1), whole.Slot);
    }

    // The store key of a token's record: its request's nonce record, named by its payload's tenant and rec claim.
    private static string RecordKeyOf(string token)
    {
        var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement;
        return StoreKeys.NonceRecord(payload.GetProperty("tid").GetString()!, payload.GetProperty("rec").GetString()!);
    }

    private static string ModelCall(string marker) =>
        """{"connector":"openai","request":{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"MARKER"}]}}""".Replace("MARKER", marker, StringComparison.Ordinal);

    /// <summary>
    /// The store calls the request made. With <paramref name="settles"/>, those once its settle has
    /// been made: the response may reach the client before the request's last stage has finished.
    /// </summary>
    private async Task<string[]> CallsOfAsync(HttpRequestMessage request, HttpStatusCode expected, bool settles = false)
    {
        using var response = await _gw.Host.Client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single()
            : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetString();
        string[] Calls() => [.. _calls.Where(c => c.Request == requestId).Select(c => c.Call)];
        if (settles)
        {
            await Eventually.HoldsAsync(() => Calls().Contains("settle"), TimeSpan.FromSeconds(5), () => "the request's reservation did not settle within 5 s: " + string.Join(", ", Calls()));
        }

        return Calls();
    }
}
