using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using Gamut.Agent.Upstream;
using Gateway.Testing;

namespace Gamut.Agent.Tests.Upstream;

/// <summary>
/// <see cref="GatewayDecisionTokenVerifier"/> as an executor uses it, against the REAL gateway: tokens from
/// <c>POST /v1/evaluate</c> (the SDK's own client), the gateway's verify endpoint with an executor token minted through
/// the admin API, and the agent's kill switch revoking the token. The failure answers are in
/// <see cref="GatewayDecisionTokenVerifierFailureTests"/>.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayDecisionTokenVerifierTests(GatewayEnvironment env) : IDisposable
{
    private const string Tool = "crm.read_contact";

    private readonly GamutClient _gamut = new(env.Demo);
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _gamut.Dispose();
        _http.Dispose();
    }

    [Fact]
    public async Task VerifyAsync_TokenFromEvaluate_IsLiveWithItsClaims()
    {
        var decision = await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-1" });
        var intent = decision.Explanation.GetProperty("intent_digest").GetString();

        var result = await (await VerifierAsync(TimeSpan.Zero)).VerifyAsync(decision.DecisionToken, "demo", Tool, intent);

        Assert.Equal((DecisionTokenStatus.Live, null), (result.Status, result.Reason));
        Assert.True(result.IsLive);
        var claims = result.Claims!;
        Assert.Equal(("demo", "demo-agent", Tool, intent, "allow", true), (claims.Tenant, claims.Agent, claims.Tool, claims.IntentDigest, claims.Decision, claims.IsEvaluation));
        Assert.False(string.IsNullOrEmpty(claims.RequestId));
        Assert.NotNull(claims.TenantGeneration);
        Assert.NotNull(claims.AgentGeneration);
    }

    [Fact]
    public async Task VerifyAsync_TamperedToken_IsInvalid()
    {
        var token = (await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-2" })).DecisionToken!;
        var parts = token.Split('.');
        var renamed = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("\"demo-agent\"", "\"rogue-agent\"", StringComparison.Ordinal);

        var result = await (await VerifierAsync(TimeSpan.Zero)).VerifyAsync($"v1.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(renamed))}.{parts[2]}", "demo", Tool);

        Assert.Equal((DecisionTokenStatus.Invalid, "bad_signature", null), (result.Status, result.Reason, result.Claims));
    }

    [Fact]
    public async Task VerifyAsync_AgentSuspendedWithoutCache_IsRevokedAtOnce()
    {
        var token = (await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-3" })).DecisionToken;
        var verifier = await VerifierAsync(TimeSpan.Zero);
        Assert.True((await verifier.VerifyAsync(token, "demo", Tool)).IsLive);

        GatewayDecisionTokenVerification revoked;
        await using (await env.SuspendAsync("demo-agent"))
        {
            revoked = await verifier.VerifyAsync(token, "demo", Tool);
        }

        Assert.Equal((DecisionTokenStatus.Revoked, "agent_revoked", "demo-agent"), (revoked.Status, revoked.Reason, revoked.Claims!.Agent));
        Assert.Equal(revoked, await verifier.VerifyAsync(token, "demo", Tool));
    }

    [Fact]
    public async Task VerifyAsync_LiveAnswerWithinTheCacheTime_IsReusedThenAskedAgain()
    {
        var token = (await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-4" })).DecisionToken;
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var verifier = await VerifierAsync(TimeSpan.FromSeconds(5), time);
        Assert.True((await verifier.VerifyAsync(token, "demo", Tool)).IsLive);

        GatewayDecisionTokenVerification cached, asked;
        await using (await env.SuspendAsync("demo-agent"))
        {
            time.Advance(TimeSpan.FromSeconds(4.9));
            cached = await verifier.VerifyAsync(token, "demo", Tool);
            time.Advance(TimeSpan.FromSeconds(0.1));
            asked = await verifier.VerifyAsync(token, "demo", Tool);
        }

        Assert.Equal(DecisionTokenStatus.Live, cached.Status);
        Assert.Equal((DecisionTokenStatus.Revoked, "agent_revoked"), (asked.Status, asked.Reason));
    }

    [Fact]
    public async Task VerifyAsync_TokenReSignedUnderACachedLiveTokensJti_AsksTheGatewayAndIsInvalid()
    {
        // A holder of the decision signing key re-signs a live token's payload, its jti kept, for another tool and intent:
        // the offline check passes, and only the gateway (which binds the payloads it issued) can tell.
        var token = (await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-resigned" })).DecisionToken!;
        var verifier = await VerifierAsync(TimeSpan.FromSeconds(5));
        Assert.True((await verifier.VerifyAsync(token, "demo", Tool)).IsLive);
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!.AsObject();
        payload["tool"] = "payments.refund";
        payload["act"] = new string('b', 64);
        var forged = DecisionTokens.Sign(env.DecisionSigningKey, Encoding.UTF8.GetBytes(payload.ToJsonString()));

        var result = await verifier.VerifyAsync(forged, "demo", "payments.refund");

        Assert.Equal((DecisionTokenStatus.Invalid, "payments.refund"), (result.Status, result.Claims?.Tool));
        Assert.False(result.IsLive);
        Assert.True((await verifier.VerifyAsync(token, "demo", Tool)).IsLive);
    }

    [Fact]
    public async Task ConsumeAsync_TokenFromEvaluate_IsLiveOnceThenUsedEvenThroughAnotherVerifier()
    {
        var token = (await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-consume" })).DecisionToken;
        var verifier = await VerifierAsync(TimeSpan.FromSeconds(2));
        Assert.True((await verifier.VerifyAsync(token, "demo", Tool)).IsLive);

        var first = await verifier.ConsumeAsync(token, "demo", Tool);
        var again = await verifier.ConsumeAsync(token, "demo", Tool);
        var elsewhere = await (await VerifierAsync(TimeSpan.Zero)).ConsumeAsync(token, "demo", Tool);

        Assert.True(first.IsLive, first.Reason);
        Assert.Equal((DecisionTokenStatus.Revoked, "used"), (again.Status, again.Reason));
        Assert.Equal((DecisionTokenStatus.Revoked, "used"), (elsewhere.Status, elsewhere.Reason));
        Assert.Equal((DecisionTokenStatus.Revoked, "used"), ((await verifier.VerifyAsync(token, "demo", Tool)).Status, (await verifier.VerifyAsync(token, "demo", Tool)).Reason));
    }

    [Fact]
    public async Task VerifyAsync_CredentialWithoutTheExecutorRole_IsUnavailableCredentialRefused()
    {
        var token = (await _gamut.EvaluateAsync(Tool, new JsonObject { ["id"] = "executor-5" })).DecisionToken;
        var approver = await env.ApproverAsync("bob");

        // The agent's own secret (an agent never verifies), an admin token, an approver token: refused by the gateway.
        foreach (var credential in new[] { GatewayEnvironment.DemoSecret, env.AdminToken, approver })
        {
            var result = await Verifier(credential, TimeSpan.Zero).VerifyAsync(token, "demo", Tool);
            Assert.Equal((DecisionTokenStatus.Unavailable, "credential_refused"), (result.Status, result.Reason));
        }
    }

    private async Task<GatewayDecisionTokenVerifier> VerifierAsync(TimeSpan liveCache, TimeProvider? time = null) =>
        Verifier(await env.ExecutorTokenAsync(), liveCache, time);

    private GatewayDecisionTokenVerifier Verifier(string credential, TimeSpan liveCache, TimeProvider? time = null) =>
        new(_http, env.DecisionSigningKey, new GatewayDecisionTokenVerifierOptions { GatewayUrl = new Uri(env.BaseUrl), ExecutorToken = credential, LiveCacheDuration = liveCache }, time);
}
