using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The approval flow's steps through a running gateway: ask (409), poll, approve, and a warrant for a retry.</summary>
public static class ApprovalCalls
{
    /// <summary>Sends <paramref name="body"/>, expects 409 approval_required and a pending request; returns its id.</summary>
    public static async Task<string> RequestApprovalAsync(AgentClient agent, string body)
    {
        using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", body);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        var id = problem.GetProperty("approval").GetProperty("id").GetString()!;
        Assert.Equal("pending", (await PollAsync(agent, id)).GetProperty("status").GetString());
        return id;
    }

    /// <summary>The agent's poll of approval <paramref name="id"/>.</summary>
    public static async Task<JsonElement> PollAsync(AgentClient agent, string id)
    {
        using var response = await agent.SendAsync(agent.Create(HttpMethod.Get, "/v1/approvals/" + id));
        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        Assert.Equal(id, json.GetProperty("id").GetString());
        return json;
    }

    /// <summary>Asks for <paramref name="body"/>, has <paramref name="approver"/> approve it, and returns the approval's id and warrant.</summary>
    public static async Task<(string ApprovalId, string Warrant)> ApprovedWarrantAsync(AgentClient agent, HttpClient approver, string body)
    {
        var id = await RequestApprovalAsync(agent, body);
        using (var approve = await approver.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        return (id, (await PollAsync(agent, id)).GetProperty("warrant").GetString()!);
    }

    /// <summary><paramref name="body"/> carrying <paramref name="warrant"/>.</summary>
    public static string WithWarrant(string body, string warrant) =>
        body[..^1] + ",\"warrant\":" + JsonSerializer.Serialize(warrant) + "}";
}
