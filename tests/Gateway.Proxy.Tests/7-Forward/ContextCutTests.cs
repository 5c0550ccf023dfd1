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

    [Fact]
    public async Task ContextRead_RedactionsShrinkTheTextByMoreThanTheMargin_NoPrefixOfAValueCutAtTheReadEndIsReturned()
    {
        // 150 addresses of 44 characters shrink the text by 4,200 bytes once redacted, more than the 4,096 read past the
        // limit; a card number straddles the read end (3,000 + 4,096), so only its first 15 digits are read.
        const int Limit = 3000;
        var addresses = string.Concat(Enumerable.Range(0, 150).Select(i => $"{i:D3}aaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com "));
        var answer = addresses + new string(' ', Limit + 4096 - 15 - addresses.Length) + "4111111111111111 and the rest of the answer";
        await using var upstream = await KestrelUpstream.StartAsync(app => app.MapGet("/notes", () => Results.Text(answer, "text/plain")));
        await using var gw = await GovernedGateway.StartAsync(text => text
            .Replace("  - name: workspace\n", $"""
                  - {"{"} name: notes, kind: context, action_type: context, target_system: notes, upstream: {upstream.Origin}/notes, credential: none, limits: {"{"} max_response_bytes: {Limit} {"}"} {"}"}

                  - name: workspace

                """, StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: notes }\n", StringComparison.Ordinal));

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/context", """{"scope":"notes","query":"owner"}""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answered = JsonDocument.Parse(text).RootElement;
        Assert.True(answered.GetProperty("truncated").GetBoolean());
        var result = answered.GetProperty("result").GetString()!;
        Assert.DoesNotContain("4111", result, StringComparison.Ordinal);
        Assert.DoesNotContain("@example.com", result, StringComparison.Ordinal);
        Assert.StartsWith("[REDACTED:email] ", result, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(result) <= Limit, result);
    }
}
