using System.Net;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.DecisionTokenCalls;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// Evaluate, then act, once (embedded store): the token <c>/v1/evaluate</c> returns, presented on the action in
/// <c>X-Gamut-Decision-Token</c>, lets that exact action run once while the token is live; a second use, another
/// action, another agent's token or a revoked one is refused (403, recorded) and nothing is forwarded. The action's
/// record names the evaluation's.
/// </summary>
public sealed class EvaluateThenActTests : IAsyncLifetime
{
    private static readonly string ReadContact = ReplicaUpstreams.ReadContact("42");
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Evaluate_AnAllowedAction_ReturnsAnEvaluationTokenThatVerifiesLive()
    {
        var evaluation = await EvaluateAsync(_gw.Agent, ReadContact);

        var token = TokenOf(evaluation);
        var executor = Bearer(_gw.Host.BaseAddress, await IssueExecutorTokenAsync(_gw.Admin(), "runtime-executor"));
        var verified = await VerifyAsync(executor, token);
        AssertStatus(verified, "live");
        Assert.True(verified.GetProperty("evaluation").GetBoolean());
        Assert.Equal(DecisionJson.IntentDigest(evaluation), verified.GetProperty("intent_digest").GetString());
        Assert.Empty(_gw.Upstream.To("/crm/"));
    }

    [Fact]
    public async Task Act_WithItsEvaluationToken_RunsOnceAndRecordsTheEvaluation()
    {
        using var evaluate = await _gw.Agent.PostJsonAsync("/v1/evaluate", ReadContact);
        var evaluation = await DecisionJson.DecisionAsync(evaluate, "allow");
        var evaluationRequest = evaluate.Headers.GetValues("X-Request-Id").Single();
        var token = TokenOf(evaluation);

        using var act = await ActAsync(_gw.Agent, ReadContact, token);
        var acted = await DecisionJson.DecisionAsync(act, "allow");
        Assert.True(acted.GetProperty("invoked").GetBoolean());
        var actionRequest = act.Headers.GetValues("X-Request-Id").Single();
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/"));
        Assert.NotEqual(token, received.Headers[Header]);

        using var again = await ActAsync(_gw.Agent, ReadContact, token);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Forbidden, "decision_token_used");
        Assert.Single(_gw.Upstream.To("/crm/contacts/"));

        var executor = Bearer(_gw.Host.BaseAddress, await IssueExecutorTokenAsync(_gw.Admin(), "runtime-executor"));
        AssertStatus(await VerifyAsync(executor, token), "revoked", "used");

        var records = await AuditRecordsAsync();
        var actionRecord = records.Single(r => RequestIds(r).Contains(actionRequest) && r.TryGetProperty("evaluation_request_id", out _));
        Assert.Equal(evaluationRequest, actionRecord.GetProperty("evaluation_request_id").GetString());
        Assert.Equal("allow", actionRecord.GetProperty("decision").GetString());
        Assert.Contains(records, r => RequestIds(r).Contains(evaluationRequest));
        Assert.Contains(records, r => r.GetProperty("decision").GetString() == "refused:decision_token_used");
    }

    [Fact]
    public async Task Act_OnAnotherActionThanTheOneEvaluated_IsBlockedAsMismatch()
    {
        var token = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));

        using var other = await ActAsync(_gw.Agent, ReplicaUpstreams.ReadContact("43"), token);

        var problem = await ProblemAssert.IsProblemAsync(other, HttpStatusCode.Forbidden, "decision_token_mismatch");
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        Assert.Equal("fail", DecisionJson.Outcome(problem, "approval_gate"));
        Assert.Empty(_gw.Upstream.To("/crm/"));

        // Used up by the refused attempt: the evaluated action itself must be evaluated again.
        using var evaluated = await ActAsync(_gw.Agent, ReadContact, token);
        await ProblemAssert.IsProblemAsync(evaluated, HttpStatusCode.Forbidden, "decision_token_used");
    }

    [Fact]
    public async Task Act_WithATokenThatIsNotAnEvaluations_IsRefusedAsInvalid()
    {
        using var first = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
        await DecisionJson.DecisionAsync(first, "allow");
        var actionToken = _gw.Upstream.To("/crm/contacts/").Single().Headers[Header];
        var issued = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var rogueEvaluation = Sign(_gw.DecisionSigningKey, $$"""{"tid":"demo","aid":"rogue-agent","tool":"crm.read_contact","act":"sha256:{{new string('5', 64)}}","dec":"allow","iat":{{issued}},"exp":{{issued + 300}},"jti":"{{DecisionTokenGrant.NewTokenId()}}","tgn":0,"agn":0,"evl":true}""", _gw.TokenBinding);
        var foreign = new DecisionTokenIssuer(new byte[32], TimeProvider.System).Issue("demo", "demo-agent", "crm.read_contact", "sha256:" + new string('0', 64), DecisionKind.Allow);

        foreach (var presented in new[] { actionToken, rogueEvaluation, foreign, "v1.garbage" })
        {
            using var refused = await ActAsync(_gw.Agent, ReadContact, presented);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "decision_token_invalid");
        }

        Assert.Single(_gw.Upstream.To("/crm/contacts/"));
    }

    [Fact]
    public async Task Act_WithItsEvaluationTokenReSignedWithoutTheGatewaysBinding_IsRefusedAsInvalidAndStaysUsable()
    {
        // A holder of the decision signing key re-signs a live evaluation's claims without the gateway's binding.
        var token = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));
        var payload = PayloadOf(token);
        var unbound = Sign(_gw.DecisionSigningKey, payload[..payload.LastIndexOf(",\"bnd\":", StringComparison.Ordinal)] + "}");

        using var refused = await ActAsync(_gw.Agent, ReadContact, unbound);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "decision_token_invalid");
        Assert.Empty(_gw.Upstream.To("/crm/"));
        using var acted = await ActAsync(_gw.Agent, ReadContact, token);
        await DecisionJson.DecisionAsync(acted, "allow");
        Assert.Single(_gw.Upstream.To("/crm/contacts/"));
    }

    [Fact]
    public async Task Act_AfterAnExecutorConsumedItsEvaluationToken_IsRefusedAsUsedAndNothingIsForwarded()
    {
        var token = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));
        using var executor = Bearer(_gw.Host.BaseAddress, await IssueExecutorTokenAsync(_gw.Admin(), "runtime-executor"));
        var consumed = await ConsumeAsync(executor, token);
        AssertStatus(consumed, "live");
        Assert.True(consumed.GetProperty("consumed").GetBoolean());

        using var refused = await ActAsync(_gw.Agent, ReadContact, token);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "decision_token_used");
        Assert.Empty(_gw.Upstream.To("/crm/"));
    }

    [Fact]
    public async Task Act_AfterTheAgentWasSuspendedAndResumed_IsRefusedAsRevoked()
    {
        var token = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));
        foreach (var flip in new[] { "suspend", "resume" })
        {
            using var response = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/" + flip, content: null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var refused = await ActAsync(_gw.Agent, ReadContact, token);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "decision_token_revoked");
        Assert.Empty(_gw.Upstream.To("/crm/"));
        var fresh = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));
        using var acted = await ActAsync(_gw.Agent, ReadContact, fresh);
        await DecisionJson.DecisionAsync(acted, "allow");
    }

    [Fact]
    public async Task Act_AfterAReloadThatChangedThePolicy_IsRefusedAsRevokedAndNothingIsUsedUp()
    {
        var token = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));
        _gw.Bundle.Rewrite(text => text.Replace("warrant_ttl: 15m", "warrant_ttl: 14m", StringComparison.Ordinal));
        Assert.Empty(await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        using var refused = await ActAsync(_gw.Agent, ReadContact, token);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "decision_token_revoked");
        Assert.Empty(_gw.Upstream.To("/crm/"));
    }

    [Fact]
    public async Task Act_WithAnExpiredEvaluationToken_IsRefusedAsExpired()
    {
        var issued = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        var expired = Sign(_gw.DecisionSigningKey, $$"""{"tid":"demo","aid":"demo-agent","tool":"crm.read_contact","act":"sha256:{{new string('4', 64)}}","dec":"allow","iat":{{issued}},"exp":{{issued + 300}},"jti":"{{DecisionTokenGrant.NewTokenId()}}","tgn":0,"agn":0,"evl":true}""", _gw.TokenBinding);

        using var refused = await ActAsync(_gw.Agent, ReadContact, expired);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "decision_token_expired");
    }

    [Fact]
    public async Task Evaluate_WithATokenPresented_IgnoresItAndUsesNothingUp()
    {
        var token = TokenOf(await EvaluateAsync(_gw.Agent, ReadContact));

        var request = _gw.Agent.Create(HttpMethod.Post, "/v1/evaluate", ReadContact);
        request.Headers.TryAddWithoutValidation(Header, token);
        using (var evaluate = await _gw.Agent.SendAsync(request))
        {
            await DecisionJson.DecisionAsync(evaluate, "allow");
        }

        using var acted = await ActAsync(_gw.Agent, ReadContact, token);
        await DecisionJson.DecisionAsync(acted, "allow");
    }

    [Fact]
    public async Task Evaluate_WithAWarrant_LeavesItForTheActionWhichRunsOnce()
    {
        const string refund = """{"tool":"payments.refund","args":{"order":"o-9","amount":25}}""";
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (_, warrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, refund);

        // Evaluating the approved action executes nothing, so it must not spend the warrant; nor does it hand out a token
        // that could carry the approval out beside the warrant (an executor's consume): the action presents the warrant.
        var evaluation = await EvaluateAsync(_gw.Agent, ApprovalCalls.WithWarrant(refund, warrant), "allow_and_log");
        Assert.False(DecisionJson.Has(evaluation, "decision_token"));

        using (var acted = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(refund, warrant)))
        {
            Assert.True((await DecisionJson.DecisionAsync(acted, "allow_and_log")).GetProperty("invoked").GetBoolean());
        }

        Assert.Single(_gw.Upstream.To("/payments/refunds"));
        using var again = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(refund, warrant));
        var refused = await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("warrant_already_used", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    private async Task<List<JsonElement>> AuditRecordsAsync()
    {
        using var page = JsonDocument.Parse(await _gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit/query?limit=1000"));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }

    private static IEnumerable<string> RequestIds(JsonElement record)
    {
        if (record.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            yield return id.GetString()!;
        }

        foreach (var member in new[] { "request_ids", "decisions", "outcomes" })
        {
            if (record.TryGetProperty(member, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    yield return item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetProperty("request_id").GetString()!;
                }
            }
        }
    }
}
