using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// Card numbers laid out as column-aligned or fixed-width output has them (two spaces, tabs between the
/// digit groups) in an upstream's answer reach the agent redacted, through the real gateway on loopback:
/// on <c>POST /v1/actions/invoke-tool</c> and on the provider route. The test upstream's ticket search
/// echoes its query in the JSON answer, so the query carries the card number (a path segment could not:
/// the gateway refuses a control character there).
/// </summary>
public sealed class CardRedactionTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public CardRedactionTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    public static TheoryData<string> SpacedCards => new() { "4111  1111  1111  1111", "5500\t0000\t0000\t0004" };

    [Theory]
    [MemberData(nameof(SpacedCards))]
    public async Task InvokeTool_UpstreamAnswerWithSpacedCardNumber_IsRedacted(string card)
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            JsonSerializer.Serialize(new { tool = "tickets.search", args = new { q = card } }));

        // tickets.search degrades to a redacted answer for the demo agent.
        var json = await DecisionJson.DecisionAsync(response, "degrade");
        AssertRedacted(card, json.GetProperty("result"));
    }

    [Theory]
    [MemberData(nameof(SpacedCards))]
    public async Task Providers_UpstreamAnswerWithSpacedCardNumber_IsRedacted(string card)
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/tickets.search/search?q=" + Uri.EscapeDataString(card)));

        AssertRedacted(card, await DecisionJson.ReadAsync(response, HttpStatusCode.OK));
    }

    private void AssertRedacted(string card, JsonElement answer)
    {
        // The upstream was asked for the card number, so its answer held it; the agent sees only the replacement.
        Assert.Contains(_gw.Upstream.Received, r => Uri.UnescapeDataString(r.Target) == "/tickets/search?q=" + card);
        Assert.Equal("[REDACTED:card_number]", answer.GetProperty("query").GetString());
        Assert.DoesNotContain(card, answer.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(JsonEncodedText.Encode(card).ToString(), answer.GetRawText(), StringComparison.Ordinal);
    }
}
