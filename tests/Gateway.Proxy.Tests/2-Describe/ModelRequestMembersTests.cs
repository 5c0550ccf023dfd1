using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A model request carrying a member the gateway reads (<c>model</c>, an output ceiling, <c>n</c>, <c>stream</c>…) in a
/// second spelling, or only in another case, is refused on both model routes: a server that matches names without case
/// would run the model, or the ceiling, the gateway never decided or reserved.
/// </summary>
public sealed class ModelRequestMembersTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public ModelRequestMembersTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("""{"model":"gpt-4o","Model":"gpt-4o-mini","messages":[]}""")]
    [InlineData("""{"model":"gpt-4o","max_tokens":100,"MAX_TOKENS":100000,"messages":[]}""")]
    [InlineData("""{"Model":"gpt-4o-mini","messages":[]}""")]
    [InlineData("""{"model":"gpt-4o","maxTokens":100000,"messages":[]}""")]
    public async Task Providers_ModelMemberInAnotherSpelling_IsRefusedAsAnOpenAIError(string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task ModelAction_ModelMemberInAnotherSpelling_IsRefused()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/model", """{"connector":"openai","request":{"model":"gpt-4o","Model":"gpt-4o-mini","messages":[]}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_ModelMembersSpelledOnce_AreForwarded()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
