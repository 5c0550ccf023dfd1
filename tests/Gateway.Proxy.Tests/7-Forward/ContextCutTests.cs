using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// A plain context answer longer than its connector's <c>max_response_bytes</c> is cut at the limit only after it was
/// redacted, through the gateway: a limit that falls inside an address returns no prefix of it.
/// </summary>
public sealed class ContextCutTests
{
    private const string Answer = "owner: customer@example.com; due friday";

    [Theory]
    [InlineData(20)]
    [InlineData(26)]
    public async Task ContextRead_LimitFallingInsideAValueRedactionMatches_NoPrefixOfItIsReturned(int limit)
    {
        await using var upstream = await KestrelUpstream.StartAsync(static app => app.MapGet("/notes", static () => Results.Text(Answer, "text/plain")));
        await using var gw = await GovernedGateway.StartAsync(text => text
            .Replace("  - name: workspace\n", $"""
                  - {"{"} name: notes, kind: context, action_type: context, target_system: notes, upstream: {upstream.Origin}/notes, credential: none, limits: {"{"} max_response_bytes: {limit} {"}"} {"}"}

                  - name: workspace

                """, StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: notes }\n", StringComparison.Ordinal));

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/context", """{"scope":"notes","query":"owner"}""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonDocument.Parse(text).RootElement;
        Assert.True(answer.GetProperty("truncated").GetBoolean());
        var result = answer.GetProperty("result").GetString()!;
        Assert.DoesNotContain("customer@", result, StringComparison.Ordinal);
        Assert.StartsWith("owner: [REDACTED", result, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(result) <= limit, result);
    }
}
