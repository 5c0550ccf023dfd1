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
/// A provider answer over 1 MiB (an OpenAI response with <c>top_logprobs</c>, on a long <c>previous_response_id</c> history the
/// provider bills) is settled at the usage it reports, never at the reservation of a request that asked for 100 output tokens.
/// </summary>
public sealed partial class ReservationSettlementTests
{
    /// <summary>What the provider reports for the large answer: the history it read and what it wrote.</summary>
    private const long BilledInput = 150_000;
    private const long BilledOutput = 1_200;

    private const string LargeAnswer = "large-answer";

    [Fact]
    public async Task ProviderRoute_JsonAnswerOverOneMebibyte_SettlesTheUsageItReports()
    {
        var settle = await SettleOfALargeAnswerAsync(stream: false);

        Assert.True(settle.Reserved < 10_000, $"reserved {settle.Reserved}");
        Assert.Equal(BilledInput + BilledOutput, settle.Actual);
    }

    [Fact]
    public async Task ProviderRoute_ResponsesCompletedEventOverOneMebibyte_SettlesTheReportedUsage()
    {
        var settle = await SettleOfALargeAnswerAsync(stream: true);

        Assert.True(settle.Reserved < 10_000, $"reserved {settle.Reserved}");
        Assert.Equal(BilledInput + BilledOutput, settle.Actual);
    }

    // One small call (its settle carried by its outcome), then the large one: the settle it was charged, carried or made alone.
    private async Task<BudgetSettle> SettleOfALargeAnswerAsync(bool stream)
    {
        await using var upstream = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/responses", RespondAsync));
        var calls = new SettleCalls();
        await using var gw = await GovernedGateway.StartAsync(
            text => text.Replace("upstream: http://127.0.0.1:9100/v1\n    credential: vault:openai-key", $"upstream: {upstream.Origin}/v1\n    credential: vault:openai-key", StringComparison.Ordinal),
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(ReplicaCluster.StoreSettings(_redis.Endpoint));
                builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("Gateway:Admission:SettleWithOutcome", "true")]);
                builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => calls.Wrap(store)));
            });
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/responses", """{"model":"gpt-4o","max_output_tokens":100,"input":"Say hello."}"""));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        calls.Arm();
        var body = $$"""{"model":"gpt-4o","max_output_tokens":100,"previous_response_id":"resp_history","top_logprobs":20,"include":["message.output_text.logprobs"],"stream":{{(stream ? "true" : "false")}},"input":"{{LargeAnswer}}"}""";
        try
        {
            using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/responses", body), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(stream || response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}");
            await response.Content.CopyToAsync(Stream.Null);
        }
        catch (Exception ex) when (stream && ex is IOException or HttpRequestException)
        {
            // An event over the redactor's limit is never passed on: the stream is aborted (its headers perhaps unread), after
            // the call was billed.
        }

        var carried = calls.Carried.Task.ContinueWith(t => Assert.Single(t.Result.Settles), TaskScheduler.Default);
        return await (await Task.WhenAny(carried, calls.Alone.Task).WaitAsync(GiveUp));
    }

    // The provider: a small answer, or (asked for LargeAnswer) one whose logprobs pass 1 MiB before its usage, as JSON or as a
    // Responses stream whose response.completed event repeats the whole answer.
    private static async Task RespondAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var request = await reader.ReadToEndAsync();
        var stream = request.Contains("\"stream\":true", StringComparison.Ordinal);
        if (!request.Contains(LargeAnswer, StringComparison.Ordinal))
        {
            await Results.Text("""{"id":"resp_small","object":"response","status":"completed","output":[],"usage":{"input_tokens":5,"output_tokens":7}}""", "application/json").ExecuteAsync(context);
            return;
        }

        var logprobs = string.Join(',', Enumerable.Range(0, 9_000).Select(i => $$"""{"token":"t{{i}}","logprob":-0.5,"top_logprobs":[{"token":"a","logprob":-1.25},{"token":"b","logprob":-2.5}]}"""));
        var answer = $$$"""{"id":"resp_large","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"{{{new string('x', 300_000)}}}","logprobs":[{{{logprobs}}}]}]}],"usage":{"input_tokens":{{{BilledInput}}},"output_tokens":{{{BilledOutput}}},"total_tokens":{{{BilledInput + BilledOutput}}}}}""";
        var bytes = Encoding.UTF8.GetBytes(stream
            ? "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_large\",\"usage\":null}}\n\n"
                + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"xx\"}\n\n"
                + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":" + answer + "}\n\n"
            : answer);
        Assert.True(bytes.Length > 1024 * 1024, $"{bytes.Length} bytes");
        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        for (var offset = 0; offset < bytes.Length; offset += 16 * 1024)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(16 * 1024, bytes.Length - offset)));
            await context.Response.Body.FlushAsync();
        }
    }
}
