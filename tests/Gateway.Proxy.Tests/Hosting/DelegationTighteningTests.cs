using System.Net;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// The tenant's <c>delegation:</c> settings bind the children already issued, not only the next ones: after a reload that
/// tightens them, a child deeper than <c>max_depth</c> now allows (every child, with <c>max_depth: 0</c>), or older than
/// <c>max_ttl</c> now allows on the gateway's clock, is refused at authentication (401 <c>unknown_agent</c>), as an expired
/// or revoked child is.
/// </summary>
public sealed class DelegationTighteningTests
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string Settings = "delegation: { max_ttl: 15m, max_depth: 2 }";

    [Fact]
    public async Task ChildRequest_AfterReloadTurningDelegationOff_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels);
        var (child, _) = await DelegationCalls.DelegateAsync(gw.Agent, gw.Host.Client);
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(child, ReadContact));
        using (var before = await child.PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            await DecisionJson.DecisionAsync(before, "allow");
        }

        await ReloadAsync(gw, "delegation: { max_ttl: 15m, max_depth: 0 }");

        using var after = await child.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "unknown_agent");
        Assert.Single(gw.Upstream.To("/crm/"));

        // A decision token the child was given before is no longer live either (the policy it was issued under changed).
        var executor = gw.Admin(await DecisionTokenCalls.IssueExecutorTokenAsync(gw.Admin(), "executor"));
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "revoked");
    }

    [Fact]
    public async Task ChildRequest_AfterReloadLoweringDepth_RefusesOnlyTheChildrenBeyondIt()
    {
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels);
        var (child, _) = await DelegationCalls.DelegateAsync(gw.Agent, gw.Host.Client,
            """{"name":"lead","permissions":[{"tool":"crm.read_contact","action_types":["read"]}],"may_delegate":true}""");
        var (grandchild, _) = await DelegationCalls.DelegateAsync(child, gw.Host.Client);

        await ReloadAsync(gw, "delegation: { max_ttl: 15m, max_depth: 1 }");

        using var deep = await grandchild.PostJsonAsync("/v1/evaluate", ReadContact);
        await ProblemAssert.IsProblemAsync(deep, HttpStatusCode.Unauthorized, "unknown_agent");
        using var shallow = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        await DecisionJson.DecisionAsync(shallow, "allow");
    }

    [Fact]
    public async Task ChildRequest_OlderThanAMaxTtlLoweredByReload_IsRefused()
    {
        var clock = new MovableClock();
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels, builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var child = await ChildUnderLoweredMaxTtlAsync(gw, clock);

        // Issued for 15 minutes: within the new 5 it still acts; past them it is refused, though its record lives on.
        using (var young = await child.PostJsonAsync("/v1/evaluate", ReadContact))
        {
            await DecisionJson.DecisionAsync(young, "allow");
        }

        clock.Offset = TimeSpan.FromMinutes(6);
        using var old = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        await ProblemAssert.IsProblemAsync(old, HttpStatusCode.Unauthorized, "unknown_agent");
    }

    [Fact]
    public async Task ChildToken_IssuedBeforeTheChildPassesALoweredMaxTtl_VerifiesDelegationRevokedAfter()
    {
        var clock = new MovableClock();
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels, builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var child = await ChildUnderLoweredMaxTtlAsync(gw, clock);

        // Given at minute 4 under the policy now in force, the token would live to minute 9; the child's life ends at 5.
        clock.Offset = TimeSpan.FromMinutes(4);
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(child, ReadContact));
        var executor = gw.Admin(await DecisionTokenCalls.IssueExecutorTokenAsync(gw.Admin(), "executor"));
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "live");

        clock.Offset = TimeSpan.FromMinutes(6);
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "revoked", "delegation_revoked");
    }

    // A child issued for 15 minutes on clock, then max_ttl lowered to 5 by a reload.
    private static async Task<AgentClient> ChildUnderLoweredMaxTtlAsync(GovernedGateway gw, MovableClock clock)
    {
        var parent = new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock);
        var (_, issued) = await DelegationCalls.DelegateAsync(parent, gw.Host.Client);
        var child = new AgentClient(gw.Host.Client, issued.GetProperty("secret").GetString()!, agent: issued.GetProperty("agent").GetString()!, time: clock);
        await ReloadAsync(gw, "delegation: { max_ttl: 5m, max_depth: 2 }");
        return child;
    }

    // Rewrites the tenant's delegation settings (TwoLevels' line) to settings and reloads the bundle.
    private static async Task ReloadAsync(GovernedGateway gw, string settings)
    {
        gw.Bundle.Rewrite(text =>
        {
            Assert.Contains(Settings, text, StringComparison.Ordinal);
            return text.Replace(Settings, settings, StringComparison.Ordinal);
        });
        Assert.Empty(await gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }
}
