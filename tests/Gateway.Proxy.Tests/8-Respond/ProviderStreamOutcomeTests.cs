using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A streamed answer on the provider route whose agent goes away before its end: the call was made, so its outcome is
/// recorded (invoked, not completed), never left as a decision with no outcome.
/// </summary>
public sealed class ProviderStreamOutcomeTests
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StreamedChat_AgentGoneMidStream_OutcomeRecorded()
    {
        await using var gw = await GovernedGateway.StartAsync();
        var body = $$"""{"model":"gpt-4o","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"Say hello, {{TestUpstream.CutShort}}."}]}""";
        string requestId;
        using (var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("Hello", StringComparison.Ordinal))
            {
            }
        }

        // The agent went away after the first piece; the upstream holds the rest until then.
        var records = await Eventually.ReturnsAsync(
            () => gw.AuditRecordsAsync(requestId),
            static found => found.Count == 2, GiveUp, found => $"{found?.Count} records of the request, no outcome after the decision");
        Assert.True(records[1].GetProperty("invoked").GetBoolean());
    }
}
