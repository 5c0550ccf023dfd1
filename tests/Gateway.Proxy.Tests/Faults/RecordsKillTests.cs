using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Testing;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The gateway binary with its records (approvals, votes, warrant uses, admin tokens, vault) on a real
/// PostgreSQL, under load from two approvers voting concurrently and agents redeeming warrants, killed
/// with SIGKILL and started again on the same database: every acknowledged vote is counted, every
/// acknowledged warrant use is consumed, and no refund ran twice.
/// </summary>
public sealed class RecordsKillTests
{
    private const string BootstrapToken = "records-kill-bootstrap-token";

    [Fact]
    public async Task Kill9_UnderLoad_LosesNoAcknowledgedVoteOrWarrantUse()
    {
        var connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();
        var refunds = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var payments = await KestrelUpstream.StartAsync(app => app.MapPost("/payments/refunds", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            refunds.AddOrUpdate(body.RootElement.GetProperty("order").GetString()!, 1, static (_, n) => n + 1);
            return Results.Json(new { status = "refunded" });
        }));
        using var bundle = DemoBundle.Create(new Dictionary<string, string> { ["http://127.0.0.1:9130"] = payments.Origin });
        bundle.Rewrite(text => text
            .Replace("approvals_required: 1\n    warrant_ttl: 15m", "approvals_required: 2\n    warrant_ttl: 15m", StringComparison.Ordinal)
            .Replace("limit: 120, window: 1m", "limit: 100000, window: 1m", StringComparison.Ordinal));
        var dataDirectory = Directory.CreateTempSubdirectory("gw-records-kill-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Gateway__Policy__BundlePath"] = bundle.Directory,
            ["Gateway__DataDirectory"] = dataDirectory,
            ["Gateway__Store__Postgres__ConnectionString"] = connectionString,
            ["Gateway__Admin__BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(BootstrapToken))),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        GatewayProcess.AddFreshKeys(environment);

        var votes = new ConcurrentBag<(string ApprovalId, string Person)>();
        var consumed = new ConcurrentBag<(string Order, string Warrant)>();
        var inFlight = new ConcurrentDictionary<string, string>(StringComparer.Ordinal); // order → warrant presented, not acknowledged
        string aliceToken, bobToken;
        using (var doomed = await GatewayProcess.StartAsync(environment))
        {
            var bootstrap = Admin(doomed.Http, BootstrapToken);
            await PutAsync(bootstrap, "/admin/v1/tenants/demo/credentials/payments-key", new { value = "pk-test" }, HttpStatusCode.OK);
            // Each approver's token minted by a different admin: a 2-of-2 gate needs distinct people and minters.
            aliceToken = await IssueApproverAsync(bootstrap, doomed.Http, "alice");
            bobToken = await IssueApproverAsync(bootstrap, doomed.Http, "bob");
            var approvers = new[] { ("alice", Admin(doomed.Http, aliceToken)), ("bob", Admin(doomed.Http, bobToken)) };
            var agent = new AgentClient(doomed.Http, bundle.AgentSecret);

            var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; ; i++)
                {
                    var order = $"o-{w}-{i}";
                    try
                    {
                        using var opened = await agent.PostJsonAsync("/v1/actions/invoke-tool", Refund(order));
                        if (opened.StatusCode != HttpStatusCode.Conflict)
                        {
                            continue;
                        }

                        var approvalId = JsonDocument.Parse(await opened.Content.ReadAsStringAsync()).RootElement.GetProperty("approval").GetProperty("id").GetString()!;
                        await Task.WhenAll(approvers.Select(async approver =>
                        {
                            using var vote = await approver.Item2.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
                            if (vote.IsSuccessStatusCode)
                            {
                                votes.Add((approvalId, approver.Item1));
                            }
                        }));

                        using var poll = await agent.SendAsync(agent.Create(HttpMethod.Get, "/v1/approvals/" + approvalId));
                        var polled = JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement;
                        if (!poll.IsSuccessStatusCode || !polled.TryGetProperty("warrant", out var warrantElement))
                        {
                            continue;
                        }

                        var warrant = warrantElement.GetString()!;
                        inFlight[order] = warrant;
                        using var redeemed = await agent.PostJsonAsync("/v1/actions/invoke-tool", Refund(order, warrant));
                        if (redeemed.StatusCode == HttpStatusCode.OK)
                        {
                            inFlight.TryRemove(order, out _);
                            consumed.Add((order, warrant));
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        if (doomed.HasExited)
                        {
                            return; // the process is gone
                        }

                        // A call cut short while the gateway still runs (a slow answer on a loaded machine):
                        // its order stays in flight, checked after the restart like one the kill cut short.
                    }
                }
            })).ToArray();

            await Eventually.HoldsAsync(
                () =>
                {
                    Assert.False(doomed.HasExited, "the gateway exited under load");
                    return consumed.Count >= 12 && votes.Count >= 30;
                },
                TimeSpan.FromSeconds(180),
                () => $"only {votes.Count} votes and {consumed.Count} warrant uses acknowledged");

            await doomed.KillAsync();
            await Task.WhenAll(workers);
        }

        try
        {
            using var restarted = await GatewayProcess.StartAsync(environment);
            var alice = Admin(restarted.Http, aliceToken); // the token itself is a record that survived
            foreach (var group in votes.GroupBy(v => v.ApprovalId, StringComparer.Ordinal))
            {
                using var response = await alice.GetAsync($"/admin/v1/tenants/demo/approvals/{group.Key}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var approval = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                var counted = approval.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()).ToHashSet(StringComparer.Ordinal);
                Assert.All(group, vote => Assert.Contains(vote.Person, counted));
                if (group.Select(v => v.Person).Distinct(StringComparer.Ordinal).Count() == 2)
                {
                    Assert.Equal("approved", approval.GetProperty("status").GetString());
                }
                else if (counted.Count == 2 && approval.GetProperty("status").GetString() == "pending")
                {
                    // The kill fell between the second vote's write and the approval's settling: that vote was
                    // never acknowledged, and its voter, retrying as a client does, settles it.
                    var unacknowledged = counted.Single(person => !group.Any(v => v.Person == person));
                    using var retry = await Admin(restarted.Http, unacknowledged == "alice" ? aliceToken : bobToken)
                        .PostAsync($"/admin/v1/tenants/demo/approvals/{group.Key}/approve", null);
                    Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
                    Assert.Equal("approved", JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
                }
            }

            var agent = new AgentClient(restarted.Http, bundle.AgentSecret);
            foreach (var (order, warrant) in consumed)
            {
                using var again = await agent.PostJsonAsync("/v1/actions/invoke-tool", Refund(order, warrant));
                var refused = await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "warrant_rejected");
                Assert.Contains("warrant_already_used", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Equal(1, refunds[order]);
            }

            // A redemption cut short by the kill either consumed its warrant or left it good: never both, never twice.
            foreach (var (order, warrant) in inFlight)
            {
                using var retry = await agent.PostJsonAsync("/v1/actions/invoke-tool", Refund(order, warrant));
                if (retry.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal(1, refunds[order]);
                }
                else
                {
                    var refused = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "warrant_rejected");
                    Assert.Contains("warrant_already_used", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
                    Assert.True(refunds.GetValueOrDefault(order) <= 1, $"order {order} refunded {refunds.GetValueOrDefault(order)} times");
                }
            }

            Assert.All(refunds, pair => Assert.Equal(1, pair.Value));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static string Refund(string order, string? warrant = null) =>
        """{"tool":"payments.refund","args":{"order":""" + JsonSerializer.Serialize(order) + ""","amount":25}""" +
        (warrant is null ? string.Empty : ",\"warrant\":" + JsonSerializer.Serialize(warrant)) + "}";

    private static HttpClient Admin(HttpClient gateway, string token)
    {
        var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<string> IssueApproverAsync(HttpClient bootstrap, HttpClient gateway, string person)
    {
        var minter = Admin(gateway, await PostTokenAsync(bootstrap, new { name = "minter-of-" + person, roles = new[] { "admin" } }));
        return await PostTokenAsync(minter, new { name = person, roles = new[] { "approver" }, tenant = "demo", person });
    }

    private static async Task<string> PostTokenAsync(HttpClient admin, object body)
    {
        using var response = await admin.PostAsync("/admin/v1/tokens", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    private static async Task PutAsync(HttpClient admin, string path, object body, HttpStatusCode expected)
    {
        using var response = await admin.PutAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == expected, await response.Content.ReadAsStringAsync());
    }
}
