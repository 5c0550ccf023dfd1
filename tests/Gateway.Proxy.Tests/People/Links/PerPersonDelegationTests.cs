using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A <c>per_person</c> connector and a delegated child acting for a person who linked their account: refused with
/// <c>person_delegation_not_allowed</c> (recorded, nothing forwarded) unless the connector's person section says
/// <c>delegated: true</c>, then the upstream sees the person's own token as for the root agent.
/// </summary>
public sealed class PerPersonDelegationTests
{
    [Fact]
    public async Task InvokeTool_DelegatedChildForALinkedPerson_IsPersonDelegationNotAllowedRecordedAndNothingForwarded()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        await LinkAsync(gw, "erin");
        var child = await ChildAsync(gw);
        using var request = child.CreateForPerson(HttpMethod.Post, "/v1/actions/invoke-tool", PerPersonGateway.ReadContact, gw.People.Provider.Issue("erin"));

        using var response = await child.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "person_delegation_not_allowed");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        var records = await gw.Gateway.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Contains(records, r => r.TryGetProperty("status_code", out var s) && s.GetInt32() == 403
            && r.GetProperty("agent").GetString() == child.Agent);
        Assert.DoesNotContain(records, r => r.TryGetProperty("upstream_account", out _));
    }

    [Fact]
    public async Task InvokeTool_DelegatedChildWhereTheConnectorAllowsIt_UpstreamSeesThePersonsOwnToken()
    {
        await using var gw = await PerPersonGateway.StartAsync(PerPersonGateway.PreRegistered.TrimEnd('}') + ", delegated: true }");
        await LinkAsync(gw, "erin");
        var child = await ChildAsync(gw);
        using var request = child.CreateForPerson(HttpMethod.Post, "/v1/actions/invoke-tool", PerPersonGateway.ReadContact, gw.People.Provider.Issue("erin"));

        using var response = await child.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var token = Assert.Single(gw.Server.AccessTokens);
        Assert.Equal("Bearer " + token, Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
    }

    /// <summary>The root agent acting for <paramref name="subject"/> is refused, and the person links their account.</summary>
    private static async Task LinkAsync(PerPersonGateway gw, string subject)
    {
        using var refused = await gw.CallAsync(subject);
        using var linked = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), subject);
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
    }

    private static async Task<AgentClient> ChildAsync(PerPersonGateway gw) =>
        (await DelegationCalls.DelegateAsync(gw.Gateway.Agent, gw.Gateway.Host.Client)).Child;
}
