using System.Net;
using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The approval page's run up to the request: one line per record (time, agent, action, decision) for an approver, the
/// whole records for one who also reads the journal, as the journal's own pages and the proof page are theirs alone.
/// </summary>
public sealed partial class ConsoleApprovalTimelineTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"c-9","amount":25}}""";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ApprovalPage_RequestInARun_ShowsTheRunsRecordsWholeOnlyToAJournalReader()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        using (var read = await RunCalls.InRunAsync(_gw.Agent, run))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using var held = await RunCalls.InRunAsync(_gw.Agent, run, json: Refund);
        var id = (await ProblemAssert.IsProblemAsync(held, HttpStatusCode.Conflict, "approval_required")).GetProperty("approval").GetProperty("id").GetString()!;

        var approver = await TimelineAsync(id, "alice", "approver");
        var reader = await TimelineAsync(id, "bob", "approver", "auditor");

        Assert.Contains("crm.read_contact", approver, StringComparison.Ordinal);
        Assert.Contains("payments.refund", approver, StringComparison.Ordinal);
        Assert.DoesNotContain("<details>", approver, StringComparison.Ordinal);
        Assert.DoesNotContain("prev_hash", approver, StringComparison.Ordinal);
        Assert.Contains("<details>", reader, StringComparison.Ordinal);
        Assert.Contains("prev_hash", reader, StringComparison.Ordinal);
    }

    // The page's run section, for person (one the request names) signed in with roles.
    private async Task<string> TimelineAsync(string id, string person, params string[] roles)
    {
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync(person, roles));
        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var timeline = Timeline().Match(html);
        Assert.True(timeline.Success, html);
        return timeline.Value;
    }

    [GeneratedRegex("<ol id=\"timeline\">.*?</ol>", RegexOptions.Singleline)]
    private static partial Regex Timeline();
}
