using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A model answer over the connector's <c>max_response_bytes</c> (logprobs on a long <c>previous_response_id</c> history) is
/// refused as too large, and settled at the usage the provider reports at its end, never at the request's small reservation.
/// </summary>
public sealed partial class ReservationSettlementTests
{
    private const int MaxResponseBytes = 65_536;
    private const long OverLimitInput = 150_000;
    private const long OverLimitOutput = 100;
    private const string OverTheLimit = "over-the-limit";
    private const string Declared = "declared-length";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProviderRoute_AnswerOverMaxResponseBytes_SettlesTheUsageItReports(bool declareLength)
    {
        var body = $$"""{"model":"gpt-4o","max_output_tokens":100,"previous_response_id":"resp_history","top_logprobs":20,"input":"{{OverTheLimit}} {{(declareLength ? Declared : "chunked")}}"}""";

        var (status, problem, settle) = await SettleOverTheLimitAsync("/providers/openai/responses", body);

        Assert.True(status == HttpStatusCode.BadGateway, $"{status}: {problem}");
        Assert.Contains("response_too_large", problem, StringComparison.Ordinal);
        Assert.True(settle.Reserved < 10_000, $"reserved {settle.Reserved}");
        Assert.Equal(OverLimitInput + OverLimitOutput, settle.Actual);
    }

    [Fact]
    public async Task ProviderRoute_StreamOverMaxResponseBytes_SettlesTheUsageItsLastEventReports()
    {
        var body = $$"""{"model":"gpt-4o","max_output_tokens":100,"previous_response_id":"resp_history","stream":true,"input":"{{OverTheLimit}} chunked"}""";

        var (_, _, settle) = await SettleOverTheLimitAsync("/providers/openai/responses", body);

        Assert.True(settle.Reserved < 10_000, $"reserved {settle.Reserved}");
        Assert.Equal(OverLimitInput + OverLimitOutput, settle.Actual);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ModelAction_AnswerOverMaxResponseBytes_SettlesTheUsageItReports(bool declareLength)
    {
        var body = $$$"""{"connector":"openai","request":{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"{{{OverTheLimit}}} {{{(declareLength ? Declared : "chunked")}}}"}]}}""";

        var (status, problem, settle) = await SettleOverTheLimitAsync("/v1/actions/model", body);

        Assert.True(status == HttpStatusCode.BadGateway, $"{status}: {problem}");
        Assert.Contains("response_too_large", problem, StringComparison.Ordinal);
        Assert.True(settle.Reserved < 10_000, $"reserved {settle.Reserved}");
        Assert.Equal(OverLimitInput + OverLimitOutput, settle.Actual);
    }

    // One small call (its settle carried by its outcome), then the one over the limit: what the agent got, and the settle it
    // was charged, carried or made alone.
    private async Task<(HttpStatusCode Status, string Problem, BudgetSettle Settle)> SettleOverTheLimitAsync(string path, string body)
    {
        await using var upstream = await KestrelUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/responses", RespondOverTheLimitAsync);
            app.MapPost("/v1/chat/completions", RespondOverTheLimitAsync);
        });
        var calls = new SettleCalls();
        await using var gw = await GovernedGateway.StartAsync(
            text => text
                .Replace("upstream: http://127.0.0.1:9100/v1\n    credential: vault:openai-key", $"upstream: {upstream.Origin}/v1\n    credential: vault:openai-key", StringComparison.Ordinal)
                .Replace("limits: { max_request_bytes: 262144, timeout: 60s }", $"limits: {{ max_request_bytes: 262144, max_response_bytes: {MaxResponseBytes}, timeout: 60s }}", StringComparison.Ordinal),
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(ReplicaCluster.StoreSettings(_redis.Endpoint));
                builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("Gateway:Admission:SettleWithOutcome", "true")]);
                builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => calls.Wrap(store)));
            });
        var warmBody = path.StartsWith("/v1", StringComparison.Ordinal)
            ? """{"connector":"openai","request":{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}}"""
            : """{"model":"gpt-4o","max_output_tokens":100,"input":"Say hello."}""";
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, path, warmBody));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        calls.Arm();
        var status = (HttpStatusCode)0;
        var problem = "";
        try
        {
            using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, path, body));
            status = response.StatusCode;
            problem = await response.Content.ReadAsStringAsync();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // A stream whose first events were passed on is aborted at the limit, never ended as whole.
        }

        var carried = calls.Carried.Task.ContinueWith(t => Assert.Single(t.Result.Settles), TaskScheduler.Default);
        return (status, problem, await (await Task.WhenAny(carried, calls.Alone.Task).WaitAsync(GiveUp)));
    }

    // The provider: a small answer, or (asked for OverTheLimit) about 200 KB of logprobs before the usage at its end, as JSON
    // (with its length when asked for Declared, else chunked) or as a Responses stream.
    private static async Task RespondOverTheLimitAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var request = await reader.ReadToEndAsync();
        if (!request.Contains(OverTheLimit, StringComparison.Ordinal))
        {
            await Results.Text("""{"id":"resp_small","object":"response","status":"completed","output":[],"usage":{"input_tokens":5,"output_tokens":7}}""", "application/json").ExecuteAsync(context);
            return;
        }

        var stream = request.Contains("\"stream\":true", StringComparison.Ordinal);
        var logprobs = string.Join(',', Enumerable.Range(0, 3_000).Select(i => $$"""{"token":"t{{i}}","logprob":-0.5,"top_logprobs":[{"token":"a","logprob":-1.25}]}"""));
        var answer = $$$"""{"id":"resp_over","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"hello","logprobs":[{{{logprobs}}}]}]}],"usage":{"input_tokens":{{{OverLimitInput}}},"output_tokens":{{{OverLimitOutput}}}}}""";
        var bytes = Encoding.UTF8.GetBytes(stream
            ? "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_over\",\"usage\":null}}\n\n"
                + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"" + new string('x', 100_000) + "\"}\n\n"
                + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":" + answer + "}\n\n"
            : answer);
        Assert.True(bytes.Length > 3 * MaxResponseBytes, $"{bytes.Length} bytes");
        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        if (request.Contains(Declared, StringComparison.Ordinal))
        {
            context.Response.ContentLength = bytes.Length;
        }

        for (var offset = 0; offset < bytes.Length; offset += 16 * 1024)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(16 * 1024, bytes.Length - offset)));
            await context.Response.Body.FlushAsync();
        }
    }
}
