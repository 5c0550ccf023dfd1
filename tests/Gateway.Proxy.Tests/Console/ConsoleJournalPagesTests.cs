using System.Net;
using System.Text.RegularExpressions;
using Gateway.Audit;
using Gateway.Audit.Evidence;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console's audit journal: newest first, 50 a page, an "older records" link (an opaque cursor: a record's position,
/// so pages stay the same while records are appended) down to the oldest and "newer records" back up, with the filter
/// kept, and times as people read them.
/// </summary>
public sealed partial class ConsoleJournalPagesTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task AuditPage_MoreThanAPage_PagesNewestFirstToTheOldestAndBackWithoutGapOrDuplicate()
    {
        await AppendAsync(0, 120);
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));

        var first = await ReadAsync(client, session, "/console/demo/audit?agent=pager");
        // Records appended after the first page was read do not move the pages below it.
        await AppendAsync(120, 5);
        var second = await ReadAsync(client, session, first.Older!);
        var third = await ReadAsync(client, session, second.Older!);
        var backToSecond = await ReadAsync(client, session, third.Newer!);
        var backToFirst = await ReadAsync(client, session, backToSecond.Newer!);
        var appended = await ReadAsync(client, session, backToFirst.Newer!);

        Assert.Equal(Range(119, 70), first.Tools);
        Assert.Null(first.Newer);
        Assert.Equal(Range(69, 20), second.Tools);
        Assert.Equal(Range(19, 0), third.Tools);
        Assert.Null(third.Older);
        Assert.Equal(second.Tools, backToSecond.Tools);
        Assert.Equal(first.Tools, backToFirst.Tools);
        Assert.Equal(Range(124, 120), appended.Tools);
        Assert.Null(appended.Newer);
        string[] all = [.. appended.Tools, .. backToFirst.Tools, .. backToSecond.Tools, .. third.Tools];
        Assert.Equal(Range(124, 0), all);
        Assert.All([first.Older!, second.Older!, third.Newer!, backToSecond.Newer!], link => Assert.Contains("agent=pager", link, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditPage_RecordTime_IsReadableWithTheExactValueKept()
    {
        await AppendAsync(0, 1);
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));

        using var page = await client.SendAsync(Get("/console/demo/audit?agent=pager", session));
        var html = await page.Content.ReadAsStringAsync();

        var time = TimeElement().Match(html);
        Assert.True(time.Success, html);
        Assert.Equal(DateTimeOffset.Parse(WebUtility.HtmlDecode(time.Groups[1].Value), System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime()
            .ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture), time.Groups[2].Value);
    }

    [Fact]
    public async Task AuditPage_CursorThatIsNotOne_IsRefused()
    {
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));

        using var page = await client.SendAsync(Get("/console/demo/audit?before=not-a-cursor", session));

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("invalid_cursor", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProofPage_ReplicaTheTenantHasNoChainOf_Is404AndKeepsNoTree()
    {
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));
        var leaves = _gw.Host.Services.GetRequiredService<AuditLeaves>();

        foreach (var replica in new[] { "made-up-1", "made-up-2", "made-up-3" })
        {
            using var proof = await client.SendAsync(Get("/console/demo/audit/proof?replica=" + replica + "&seq=1", session));

            Assert.Equal(HttpStatusCode.NotFound, proof.StatusCode);
            Assert.Contains("record_not_found", await proof.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(leaves.Holds(new AuditPartition("demo", replica)), replica);
        }
    }

    private static string[] Range(int from, int to) => [.. Enumerable.Range(to, from - to + 1).Reverse().Select(Tool)];

    private static string Tool(int i) => FormattableString.Invariant($"tool-{i:D3}");

    private async Task AppendAsync(int start, int count)
    {
        var journal = _gw.Host.Services.GetRequiredService<AuditJournal>();
        for (var i = start; i < start + count; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = "demo", Agent = "pager", Tool = Tool(i), Decision = "allow" });
        }
    }

    /// <summary>A journal page: its records' tools in the order shown, and its newer and older links.</summary>
    private static async Task<(string[] Tools, string? Newer, string? Older)> ReadAsync(HttpClient client, string session, string url)
    {
        using var page = await client.SendAsync(Get(url, session));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string? Link(string rel) => Regex.Match(html, "<a rel=\"" + rel + "\" href=\"([^\"]+)\"") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
        return ([.. Summary().Matches(html).Select(m => m.Groups[1].Value)], Link("prev"), Link("next"));
    }

    [GeneratedRegex("<summary><time [^>]*>[^<]*</time> · pager · (tool-\\d{3}) · ")]
    private static partial Regex Summary();

    [GeneratedRegex("<time datetime=\"([^\"]+)\" title=\"[^\"]+\">([^<]+)</time>")]
    private static partial Regex TimeElement();
}
