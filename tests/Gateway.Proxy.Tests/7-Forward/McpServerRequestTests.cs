using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// An MCP server's request to the client (sampling) on a redacted stream through <c>/providers/docs</c> reaches the
/// client at once, redacted, although its text ends mid-word: only a model's token stream holds values back, and an
/// MCP server sends nothing more until the client has answered.
/// </summary>
public sealed class McpServerRequestTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text => text.Replace(
        "rules:\n",
        "rules:\n  - id: redact-docs\n    match: { tools: [docs.search] }\n    effect: degrade\n    degrade: redact\n    reason: redact_docs\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Providers_McpSamplingRequestEndingMidWordOnARedactedStream_ReachesTheClientAtOnce()
    {
        var request = _gw.Agent.Create(HttpMethod.Post, "/providers/docs", """{"jsonrpc":"2.0","id":"sampling","method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}""");
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await _gw.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = await response.Content.ReadAsStreamAsync();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(8));

        var first = await ReadEventAsync(body, reading.Token);
        _gw.Upstream.SamplingAnswered.TrySetResult();
        var rest = await new StreamReader(body).ReadToEndAsync(reading.Token);

        Assert.Contains("sampling/createMessage", first, StringComparison.Ordinal);
        Assert.Contains("Write to [REDACTED:email] about the wor", first, StringComparison.Ordinal);
        Assert.DoesNotContain(TestUpstream.Email, first, StringComparison.Ordinal);
        Assert.Contains("\"sampled\"", rest, StringComparison.Ordinal);
    }

    // Reads up to the end of the first event (a blank line); a held event never arrives and the read is cancelled.
    private static async Task<string> ReadEventAsync(Stream body, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new byte[1];
        while (!text.ToString().Contains("\n\n", StringComparison.Ordinal))
        {
            if (await body.ReadAsync(buffer, cancellationToken) == 0)
            {
                break;
            }

            text.Append((char)buffer[0]);
        }

        return text.ToString();
    }
}
