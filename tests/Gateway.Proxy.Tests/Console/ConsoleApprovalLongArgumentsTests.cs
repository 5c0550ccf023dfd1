using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// Arguments over 16 KiB, as approvers see them in the admin API and on the console's page: cut by value, so a member after
/// a long one is shown with its value; where even the names do not fit, the request says so above the decision.
/// </summary>
public sealed class ConsoleApprovalLongArgumentsTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    // The refund's schema here takes members besides order and amount, as an agent's free-form tool would.
    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(rewrite: static text => text.Replace(
        "      required: [order, amount]\n      additionalProperties: false", "      required: [order, amount]\n      additionalProperties: true", StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ApprovalPage_LongNoteBeforeTo_ShowsToWithItsValueAndHidesNothing()
    {
        var id = await HoldAsync(new Dictionary<string, object> { ["order"] = "L-1", ["amount"] = 25, ["note"] = new string('n', 20 * 1024), ["to"] = "treasury-account-7781" });

        var alice = await _gw.IssueTokenAsync("alice", "approver");

        var approval = await AdminApprovalAsync(id, alice);
        var html = await ApprovalPageAsync(id, alice);

        Assert.False(DecisionJson.Has(approval, "arguments_truncated"));
        var arguments = JsonDocument.Parse(approval.GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal("treasury-account-7781", arguments.GetProperty("to").GetString());
        Assert.EndsWith("…[shortened: 20480 characters in all]", arguments.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains("treasury-account-7781", html, StringComparison.Ordinal);
        Assert.DoesNotContain("arguments-hidden", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalPage_MoreMembersThanFit_SaysNotEveryArgumentIsShownAboveTheDecision()
    {
        var args = Enumerable.Range(0, 3000).ToDictionary(i => "line_" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), object (i) => i);
        args["order"] = "L-2";
        args["amount"] = 25;
        var id = await HoldAsync(args);

        var alice = await _gw.IssueTokenAsync("alice", "approver");

        var approval = await AdminApprovalAsync(id, alice);
        var html = await ApprovalPageAsync(id, alice);

        Assert.True(approval.GetProperty("arguments_truncated").GetBoolean());
        var arguments = JsonDocument.Parse(approval.GetProperty("arguments").GetString()!).RootElement;
        Assert.EndsWith("more members hidden]", arguments.GetProperty("…").GetString(), StringComparison.Ordinal);
        var warning = html.IndexOf("id=\"arguments-hidden\"", StringComparison.Ordinal);
        Assert.InRange(warning, 0, html.IndexOf("class=\"decide\"", StringComparison.Ordinal));
        Assert.Contains("Not every argument is shown", html, StringComparison.Ordinal);
    }

    /// <summary>The agent's refund with <paramref name="args"/>, held for approval: the approval's id.</summary>
    private async Task<string> HoldAsync(Dictionary<string, object> args)
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", JsonSerializer.Serialize(new { tool = "payments.refund", args }));
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        return problem.GetProperty("approval").GetProperty("id").GetString()!;
    }

    /// <summary>The approval as the admin API gives it to an approver's <paramref name="token"/>.</summary>
    private async Task<JsonElement> AdminApprovalAsync(string id, string token)
    {
        using var response = await _gw.Admin(token).GetAsync("/admin/v1/tenants/demo/approvals/" + id);
        return await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The approval page of <paramref name="id"/> as an approver signed in with <paramref name="token"/> reads it.</summary>
    private async Task<string> ApprovalPageAsync(string id, string token)
    {
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, token);
        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await page.Content.ReadAsStringAsync();
    }
}
