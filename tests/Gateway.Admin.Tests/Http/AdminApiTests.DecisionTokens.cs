using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Options;
using Gateway.Policy;
using Gateway.Policy.Serialization;
using Gateway.Policy.Tokens;

namespace Gateway.Admin.Tests.Http;

/// <summary><c>POST /v1/decision-tokens/verify</c> as an executor reads it: the claims of a verified token, its actor chain among them.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task VerifyDecisionToken_ADelegatedChildsToken_AnswersItsActorChain()
    {
        using var executor = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("exec-" + _tenant, [AdminRoles.Executor]) { Tenant = _tenant }, AdminTestServices.Operator));
        var token = SignDecisionToken(new ActorLink(ActorKind.Agent, "agent-1"), new ActorLink(ActorKind.Delegate, Child) { Name = "payer" });

        using var response = await executor.PostAsJsonAsync("/v1/decision-tokens/verify", new { token });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var chain = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("actor_chain");
        Assert.Equal("""[{"kind":"agent","id":"agent-1"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa","name":"payer"}]""", chain.GetRawText());
    }

    // A token as the gateway signs it (the decision key, bound), for the child at the end of the chain; never recorded.
    private string SignDecisionToken(params ActorLink[] chain)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new DecisionTokenPayload
        {
            Tenant = _tenant,
            Agent = chain[^1].Id,
            Tool = "crm.read_contact",
            IntentDigest = "sha256:" + new string('0', 64),
            Decision = DecisionKind.Allow,
            IssuedAt = now,
            ExpiresAt = now + 60,
            TokenId = DecisionTokenGrant.NewTokenId(),
            ActorChain = chain,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(payload, PolicyJsonContext.Default.DecisionTokenPayload);
        var bound = new byte[DecisionTokenBinding.BoundLength(json.Length)];
        _host.Get<DecisionTokenBinding>().Bind(json, bound);
        return MacToken.Sign(new HmacKey(_host.Get<OversightKeys>().DecisionSigningKey.Span), "v1."u8, bound);
    }
}
