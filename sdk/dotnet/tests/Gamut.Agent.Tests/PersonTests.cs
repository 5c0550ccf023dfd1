using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using ModelContextProtocol.Client;
using OpenAI.Chat;

namespace Gamut.Agent.Tests;

/// <summary>
/// Acting for a person with the .NET SDK against the REAL gateway: the person's token rides in <c>X-Gamut-Person</c>,
/// covered by the signature (the suite's tenant declares no OpenID provider, so the gateway, having verified the
/// signature over the ten lines, refuses the token itself — not the signature); per call or for a whole client.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class PersonTests(GatewayEnvironment env) : IDisposable
{
    /// <summary>Shaped like an identity token (the gateway checks it against the tenant's provider only after the signature).</summary>
    private const string PersonToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl";

    private readonly GamutClient _gamut = new(env.Demo);

    public void Dispose() => _gamut.Dispose();

    [Fact]
    public async Task ForPerson_EvaluateAsync_SignatureCoversTheTokenAndTheGatewayChecksTheTokenItself()
    {
        using var erin = _gamut.ForPerson(PersonToken);

        var refused = await Assert.ThrowsAsync<GamutAuthenticationException>(() => erin.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" }));

        Assert.Equal("person_token_invalid", refused.Code);
        Assert.Equal(PersonToken, erin.PersonToken);
    }

    [Fact]
    public async Task InvokeToolAsync_PersonTokenPerCall_IsSentAndSigned()
    {
        var before = env.Upstream.Count("/crm/contacts/7");

        var refused = await Assert.ThrowsAsync<GamutAuthenticationException>(() =>
            _gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "7" }, new ToolCallOptions { PersonToken = PersonToken }));

        Assert.Equal("person_token_invalid", refused.Code);
        Assert.Equal(before, env.Upstream.Count("/crm/contacts/7"));
    }

    [Fact]
    public async Task ForPerson_DisposingThePersonsClient_LeavesTheAgentsClientWorking()
    {
        using (_gamut.ForPerson(PersonToken))
        {
        }

        var decision = await _gamut.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" });

        Assert.Equal("allow", decision.Decision);
        Assert.Null(_gamut.PersonToken);
    }

    [Fact]
    public async Task ForPerson_CreateMcpTransportAndSigningHandler_SignAndSendThePersonsToken()
    {
        using var erin = _gamut.ForPerson(PersonToken);
        using var http = new HttpClient(erin.CreateSigningHandler());

        // The gateway checks the signature over the ten lines first, then the token itself: person_token_invalid, not a bad signature.
        using var evaluated = await http.PostAsync(new Uri($"{env.BaseUrl}/v1/evaluate"),
            new StringContent("""{"tool":"crm.read_contact","args":{"id":"7"}}""", Encoding.UTF8, "application/json"));
        var mcp = await Assert.ThrowsAnyAsync<HttpRequestException>(() => McpClient.CreateAsync(erin.CreateMcpTransport()));

        Assert.Equal(HttpStatusCode.Unauthorized, evaluated.StatusCode);
        Assert.Equal("person_token_invalid", JsonNode.Parse(await evaluated.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, mcp.StatusCode);
    }

    [Fact]
    public async Task ForPerson_CreateOpenAIClient_SignsAndSendsThePersonsToken()
    {
        using var erin = _gamut.ForPerson(PersonToken);
        var before = env.Upstream.Count("/v1/chat/completions");

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => erin.CreateOpenAIClient().GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hello")]));

        Assert.Equal(401, refused.Status);
        Assert.Contains("person_token_invalid", refused.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, env.Upstream.Count("/v1/chat/completions"));
    }

    [Fact]
    public void ForPerson_EmptyToken_IsRefused() =>
        Assert.Throws<GamutConfigurationException>(() => _gamut.ForPerson(" "));
}
