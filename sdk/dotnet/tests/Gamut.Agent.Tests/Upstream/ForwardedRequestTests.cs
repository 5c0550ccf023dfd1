using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using Gamut.Agent.Upstream;

namespace Gamut.Agent.Tests.Upstream;

/// <summary>
/// The SDK's upstream verifiers on what the REAL gateway forwarded: the suite's Kestrel upstream verifies the
/// decision token of every request and the gateway's signature of a webhook call with the keys the launcher gave
/// the gateway (<see cref="UpstreamVerifiers"/>), and acts on the webhook only when both verify.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ForwardedRequestTests(GatewayEnvironment env)
{
    [Fact]
    public async Task InvokeTool_ForwardedRequest_CarriesTheDecisionTokenTheUpstreamVerifies()
    {
        using var gamut = new GamutClient(env.Demo);
        var id = "fwd-" + Guid.NewGuid().ToString("N")[..8];

        var action = await gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = id });

        var checks = env.Upstream.Requests.Single(r => r.Path == "/crm/contacts/" + id).Checks!;
        Assert.True(checks.Token.IsValid, checks.Token.Reason);
        Assert.Equal(action.DecisionToken, checks.GamutHeaders[GatewayRequestHeaders.DecisionToken]);
        var payload = checks.Token.Payload!;
        Assert.Equal(("demo", "demo-agent", "crm.read_contact", "allow"), (payload.Tenant, payload.Agent, payload.Tool, payload.Decision));
        Assert.Equal(300, payload.ExpiresAt - payload.IssuedAt);
        Assert.Equal(action.Explanation.GetProperty("intent_digest").GetString(), payload.IntentDigest);
        Assert.Null(checks.Signature);
    }

    [Fact]
    public async Task Webhook_ForwardedAfterApproval_IsSignedForTheUpstreamAndItsNonceIsSingleUse()
    {
        using var gamut = new GamutClient(env.Demo);
        var args = new JsonObject { ["to"] = "dana@example.com", ["body"] = "Your refund is on its way." };
        var pending = await Assert.ThrowsAsync<GamutApprovalRequiredException>(() => gamut.InvokeToolAsync("mail.send", args));
        await env.ApproveAsync(pending.ApprovalId, approver: "alice");
        var warrant = (await gamut.GetApprovalAsync(pending.ApprovalId)).Warrant;

        var action = await gamut.InvokeToolAsync("mail.send", args, new ToolCallOptions { Warrant = warrant });

        Assert.True(action.Invoked);
        Assert.Equal(200, action.UpstreamStatus);
        var received = env.Upstream.Requests.Last(r => r.Path == "/mail");
        var checks = received.Checks!;
        Assert.True(checks.Signature!.IsValid, checks.Signature.Failure);
        Assert.True(checks.Token.IsValid, checks.Token.Reason);
        Assert.Equal(("mail.send", "allow_and_log"), (checks.Token.Payload!.Tool, checks.Token.Payload.Decision));
        Assert.Equal(("demo", "ws-demo", GatewayRequestHeaders.GatewayAgent),
            (checks.GamutHeaders[GatewayRequestHeaders.Tenant], checks.GamutHeaders[GatewayRequestHeaders.Workspace], checks.GamutHeaders[GatewayRequestHeaders.Agent]));
        Assert.Equal("Your refund is on its way.", JsonNode.Parse(received.Body)!["body"]!.GetValue<string>());

        // The same signed call again, as a replaying intermediary would send it: the upstream refuses the nonce.
        using var replay = new HttpRequestMessage(HttpMethod.Post, env.Upstream.BaseUrl + checks.Target) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(received.Body)) };
        foreach (var header in checks.GamutHeaders)
        {
            replay.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var http = new HttpClient();
        using var refused = await http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("replayed_nonce", env.Upstream.Requests.Last(r => r.Path == "/mail").Checks!.Signature!.Failure);
    }
}
