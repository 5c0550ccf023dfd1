using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// What an approver sees of a pending approval a real signed agent request opened: its arguments as redacted before they
/// were stored (a card number and an e-mail address never reach the store, the admin API or the page; credentials by
/// name or shape the admission refuses before any approval, and ApprovalArgumentsTests covers their redaction), the request id of the decision that opened it, that decision's signed receipt (the one the agent was answered
/// with, attached after the Record stage), and the decision record's place in the audit chain with its inclusion proof.
/// </summary>
public sealed class ConsoleApprovalEvidenceTests : IAsyncLifetime
{
    private const string Card = "4111 1111 1111 1111";
    private const string Email = "jane.doe@example.com";
    private static readonly string Refund =
        $$$"""{"tool":"payments.refund","args":{"order":"c-9","amount":25,"card":"{{{Card}}}","note":"refund for {{{Email}}}"}}""";

    private GovernedGateway _gw = null!;

    // The refund's schema here takes members besides order, amount and reason (a card, a note, a currency), so that the
    // redaction and display of what an agent sends can be shown; the example bundle's takes none.
    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(rewrite: static text => text.Replace(
        "      required: [order, amount]\n      additionalProperties: false", "      required: [order, amount]\n      additionalProperties: true", StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task AdminApproval_OpenedByASignedRequest_KeepsRedactedArgumentsRequestIdAndTheDecisionsReceipt()
    {
        var (id, receipt, requestId) = await OpenAsync();
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));

        using var response = await alice.GetAsync("/admin/v1/tenants/demo/approvals/" + id);
        var raw = await response.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(raw).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(receipt, json.GetProperty("receipt").GetString());
        Assert.Equal(requestId, json.GetProperty("request_id").GetString());
        Assert.False(DecisionJson.Has(json, "arguments_truncated"));
        var arguments = JsonDocument.Parse(json.GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("c-9", arguments.GetProperty("order").GetString());
        Assert.Equal(25, arguments.GetProperty("amount").GetInt32());
        Assert.Equal("[REDACTED:card_number]", arguments.GetProperty("card").GetString());
        Assert.Equal("refund for [REDACTED:email]", arguments.GetProperty("note").GetString());
        Assert.DoesNotContain("4111", WithoutOpaqueValues(raw), StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalPage_PendingRequest_ShowsRedactedArgumentsReceiptAndChainPositionWithItsProof()
    {
        var (id, receipt, _) = await OpenAsync();
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "approver", "auditor"));

        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<h3>Arguments (redacted)</h3>", html, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:card_number]", html, StringComparison.Ordinal);
        Assert.Contains("refund for [REDACTED:email]", html, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", WithoutOpaqueValues(html), StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe", html, StringComparison.Ordinal);
        Assert.Contains(receipt, html, StringComparison.Ordinal);
        var proofLink = System.Text.RegularExpressions.Regex.Match(html, "href=\"(/console/demo/audit/proof\\?replica=[^&\"]+&amp;seq=(\\d+))\"");
        Assert.True(proofLink.Success, html);
        var seq = long.Parse(proofLink.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("<dt>Leaf index</dt><dd>" + (seq - 1) + "</dd>", html, StringComparison.Ordinal);

        using var proof = await client.SendAsync(Get(WebUtility.HtmlDecode(proofLink.Groups[1].Value), session));
        var inclusion = JsonDocument.Parse(await proof.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, proof.StatusCode);
        Assert.Equal(seq - 1, inclusion.GetProperty("leaf_index").GetInt64());
        Assert.Contains(id, inclusion.GetProperty("record").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalPage_ControlWithAnApprovalObligation_IsStatedOnceAndNotAsPassed()
    {
        var (id, _, _) = await OpenAsync();
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "approver"));

        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        var html = await page.Content.ReadAsStringAsync();

        var why = System.Text.RegularExpressions.Regex.Match(html, "<ul class=\"checklist\" id=\"why\">(.*?)</ul>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(why.Success, html);
        var statements = System.Text.RegularExpressions.Regex.Matches(why.Groups[1].Value, "<li class=\"(pass|fail|hold)\"><span aria-hidden=\"true\">[^<]*</span>([^:<]+):")
            .Select(m => (Kind: m.Groups[1].Value, Control: m.Groups[2].Value)).ToList();
        var held = statements.Where(s => s.Kind == "hold").Select(s => s.Control).ToList();
        Assert.NotEmpty(held);
        Assert.Equal(statements.Count, statements.Select(s => s.Control).Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(statements, s => s.Kind == "pass" && held.Contains(s.Control));
        Assert.Contains(": <strong>requires a named approver</strong>", why.Groups[1].Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProofPage_ApproverWithoutAReaderRole_IsRefused()
    {
        var (id, _, _) = await OpenAsync();
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "approver"));

        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        using var proof = await client.SendAsync(Get("/console/demo/audit/proof?replica=r1&seq=1", session));

        Assert.DoesNotContain("/console/demo/audit/proof", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, proof.StatusCode);
    }

    [Fact]
    public async Task ApprovalPage_OrderWithABidiOverride_ShowsTheOverrideVisibly()
    {
        var id = await HoldRefundAsync("B-22\u202E10\u202C");

        var html = await ApprovalPageAsync(id);

        Assert.DoesNotContain("&#x202E;", html, StringComparison.OrdinalIgnoreCase);
        var text = WebUtility.HtmlDecode(html);
        Assert.DoesNotContain("\u202E", text, StringComparison.Ordinal);
        Assert.Contains("B-22⟨U+202E⟩10⟨U+202C⟩", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalPage_SameOrderWithAZeroWidthSpace_IsFlaggedAsAPossibleDuplicate()
    {
        await HoldRefundAsync("A-1795");
        var again = await HoldRefundAsync("A-1795\u200B");

        var html = await ApprovalPageAsync(again);

        Assert.Contains("<section id=\"duplicates\"", html, StringComparison.Ordinal);
        Assert.Contains("the same order A-1795⟨U+200B⟩", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
    }

    /// <summary>The agent's refund of <paramref name="order"/>, held for approval: the approval's id.</summary>
    private async Task<string> HoldRefundAsync(string order)
    {
        var body = JsonSerializer.Serialize(new { tool = "payments.refund", args = new { amount = 480.5, currency = "EUR", order } });
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", body);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        return problem.GetProperty("approval").GetProperty("id").GetString()!;
    }

    /// <summary>The approval page of <paramref name="id"/> as alice, an approver, reads it.</summary>
    private async Task<string> ApprovalPageAsync(string id)
    {
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "approver"));
        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await page.Content.ReadAsStringAsync();
    }

    /// <summary>The agent's refund, answered 409 with an approval: its id, the receipt the agent got and the request's id.</summary>
    private async Task<(string Id, string Receipt, string RequestId)> OpenAsync()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        return (problem.GetProperty("approval").GetProperty("id").GetString()!, response.Headers.GetValues("Gamut-Receipt").Single(),
            response.Headers.GetValues("X-Request-Id").Single());
    }

    // Digests, receipts and ids (runs of 40 or more letters, digits, '-' or '_') hold "4111" by chance now and then; the card
    // number, in any spelling with or without spaces, is shorter than that and stays in the text.
    private static string WithoutOpaqueValues(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "[A-Za-z0-9_-]{40,}", string.Empty);
}
