using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// <c>invoked</c> says whether the upstream may have received the call, in the answer and in the recorded outcome alike: a
/// call a real Kestrel upstream took up and held past the connector's <c>timeout</c> (a write it may have carried out) is
/// 504 <c>upstream_timeout</c> with <c>invoked: true</c>, never "not invoked" (which a client reads as safe to send again);
/// a call whose connection was refused (nothing listens on the port) stays <c>invoked: false</c>. On the governed tool
/// route, the native model route and the provider route, whose outcome is recorded by its own responder.
/// </summary>
public sealed class UpstreamTimeoutOutcomeTests
{
    private const string UpdateContact = """{"tool":"crm.update_contact","args":{"id":"c-1","name":"Ada"}}""";
    private const string Chat = """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}""";
    private const string ModelAction = $$"""{"connector":"openai","request":{{Chat}}}""";
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task InvokeTool_UpstreamTookTheWriteAndTimedOut_AnswersAndRecordsInvoked()
    {
        await using var upstream = await Infrastructure.KestrelUpstream.StartAsync(static app => app.MapMethods("/crm/contacts/{id}", ["PATCH"], HoldUntilGoneAsync));
        await using var gw = await GovernedGateway.StartAsync(text => UpdateContactAt(text, upstream.Origin));

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", UpdateContact).WaitAsync(GiveUp);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout, "upstream_timeout");
        var outcome = await OutcomeAsync(gw, response);

        Assert.Single(upstream.Received);
        Assert.True(problem.GetProperty("invoked").GetBoolean(), "the upstream took the call up: answered as not invoked: " + problem);
        Assert.Equal(504, outcome.GetProperty("status_code").GetInt32());
        Assert.True(outcome.GetProperty("invoked").GetBoolean(), "the upstream took the call up: recorded as not invoked: " + outcome);
        Assert.False(outcome.TryGetProperty("upstream_status", out _), outcome.ToString());
    }

    [Fact]
    public async Task InvokeTool_UpstreamRefusedTheConnection_AnswersAndRecordsNotInvoked()
    {
        await using var gw = await GovernedGateway.StartAsync(text => UpdateContactAt(text, ClosedOrigin()));

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", UpdateContact).WaitAsync(GiveUp);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "upstream_unavailable");
        var outcome = await OutcomeAsync(gw, response);

        Assert.False(problem.GetProperty("invoked").GetBoolean(), problem.ToString());
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
        Assert.False(outcome.GetProperty("invoked").GetBoolean(), outcome.ToString());
    }

    [Fact]
    public async Task ModelAction_ProviderTookTheCallAndTimedOut_AnswersAndRecordsInvoked()
    {
        await using var upstream = await Infrastructure.KestrelUpstream.StartAsync(static app => app.MapPost("/v1/chat/completions", HoldUntilGoneAsync));
        await using var gw = await GovernedGateway.StartAsync(text => OpenAIAt(text, upstream.Origin));

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/model", ModelAction).WaitAsync(GiveUp);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout, "upstream_timeout");
        var outcome = await OutcomeAsync(gw, response);

        Assert.Single(upstream.Received);
        Assert.True(problem.GetProperty("invoked").GetBoolean(), "the provider took the call up: answered as not invoked: " + problem);
        Assert.True(outcome.GetProperty("invoked").GetBoolean(), "the provider took the call up: recorded as not invoked: " + outcome);
    }

    [Fact]
    public async Task ProviderRoute_ProviderTookTheCallAndTimedOut_RecordsInvoked()
    {
        await using var upstream = await Infrastructure.KestrelUpstream.StartAsync(static app => app.MapPost("/v1/chat/completions", HoldUntilGoneAsync));
        await using var gw = await GovernedGateway.StartAsync(text => OpenAIAt(text, upstream.Origin));

        using var response = await gw.Agent.PostJsonAsync("/providers/openai/chat/completions", Chat).WaitAsync(GiveUp);
        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.GatewayTimeout, "upstream_timeout");
        var outcome = await OutcomeAsync(gw, response);

        Assert.Single(upstream.Received);
        Assert.True(outcome.GetProperty("invoked").GetBoolean(), "the provider took the call up: recorded as not invoked: " + outcome);
        Assert.False(outcome.TryGetProperty("upstream_status", out _), outcome.ToString());
    }

    [Fact]
    public async Task ProviderRoute_ProviderRefusedTheConnection_RecordsNotInvoked()
    {
        await using var gw = await GovernedGateway.StartAsync(text => OpenAIAt(text, ClosedOrigin()));

        using var response = await gw.Agent.PostJsonAsync("/providers/openai/chat/completions", Chat).WaitAsync(GiveUp);
        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadGateway, "upstream_unavailable");
        var outcome = await OutcomeAsync(gw, response);

        Assert.False(outcome.GetProperty("invoked").GetBoolean(), outcome.ToString());
    }

    /// <summary>An upstream that takes the call up and answers nothing (not even headers) until its caller goes away.</summary>
    internal static async Task HoldUntilGoneAsync(HttpContext context)
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = context.RequestAborted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), gone);
        await gone.Task.ConfigureAwait(false);
    }

    /// <summary>An origin on a loopback port nothing listens on (held by this process, so nothing will): its connections are refused.</summary>
    internal static string ClosedOrigin() => "http://127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The recorded outcome of the request <paramref name="response"/> answered: its record that carries a status.</summary>
    internal static async Task<JsonElement> OutcomeAsync(GovernedGateway gw, HttpResponseMessage response)
    {
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var records = await Eventually.ReturnsAsync(
            () => gw.AuditRecordsAsync(requestId),
            static found => found.Any(static r => r.TryGetProperty("status_code", out _)),
            GiveUp,
            found => $"no outcome recorded for {requestId}: {string.Join(", ", found ?? [])}");
        return Assert.Single(records, static r => r.TryGetProperty("status_code", out _));
    }

    // crm.update_contact (a write) at the origin given, with a 2 s timeout.
    private static string UpdateContactAt(string text, string origin) => Replaced(Replaced(text,
        "    data_classes: [pii]\n    upstream: http://127.0.0.1:9110/crm\n", $"    data_classes: [pii]\n    upstream: {origin}/crm\n"),
        "    http: { method: PATCH, path: \"/contacts/{id}\", args: body }\n", "    http: { method: PATCH, path: \"/contacts/{id}\", args: body }\n    limits: { timeout: 2s }\n");

    // The openai connector at the origin given, with a 2 s timeout.
    private static string OpenAIAt(string text, string origin) => Replaced(Replaced(text,
        "    upstream: http://127.0.0.1:9100/v1\n", $"    upstream: {origin}/v1\n"),
        "limits: { max_request_bytes: 262144, timeout: 60s }", "limits: { max_request_bytes: 262144, timeout: 2s }");

    private static string Replaced(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }
}
