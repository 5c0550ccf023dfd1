using System.Net;
using System.Text.Json;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A model request carrying a member the gateway reads (<c>model</c>, an output ceiling, <c>n</c>, <c>stream</c>…) in a
/// second spelling, or only in another case, or of another JSON type (<c>"max_tokens":"100000"</c>, <c>"stream":"true"</c>),
/// is refused on both model routes and recorded: a server that matches names without case, or reads types leniently, would
/// run the model, the ceiling or the stream the gateway never decided, reserved or asked usage for.
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

    [Theory]
    [InlineData("""{"max_tokens":"100000"}""", "max_tokens")]
    [InlineData("""{"max_completion_tokens":"100000"}""", "max_completion_tokens")]
    [InlineData("""{"max_output_tokens":"100000"}""", "max_output_tokens")]
    [InlineData("""{"max_tokens":100.5}""", "max_tokens")]
    [InlineData("""{"max_tokens":true}""", "max_tokens")]
    [InlineData("""{"n":"8"}""", "n")]
    [InlineData("""{"n":[8]}""", "n")]
    [InlineData("""{"best_of":"8"}""", "best_of")]
    [InlineData("""{"stream":"true"}""", "stream")]
    [InlineData("""{"stream":1}""", "stream")]
    [InlineData("""{"stream_options":"include_usage"}""", "stream_options")]
    [InlineData("""{"model":["gpt-4o"]}""", "model")]
    [InlineData("""{"model":null}""", "model")]
    [InlineData("""{"background":"true"}""", "background")]
    [InlineData("""{"background":1}""", "background")]
    public void Refusal_MemberOfAnotherType_NamesTheMember(string body, string member) =>
        Assert.Contains($"'{member}' must be", ModelRequestMembers.Refusal(JsonElement.Parse(body)), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"max_completion_tokens":0}""", "max_completion_tokens")]
    [InlineData("""{"max_output_tokens":-1e2}""", "max_output_tokens")]
    [InlineData("""{"n":0}""", "n")]
    [InlineData("""{"best_of":-3}""", "best_of")]
    public void Refusal_CountBelowOne_NamesTheMember(string body, string member) =>
        Assert.Contains($"'{member}' must be a whole number of at least 1", ModelRequestMembers.Refusal(JsonElement.Parse(body)), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"model":"gpt-4o","max_tokens":100,"max_completion_tokens":1e2,"max_output_tokens":100.0,"n":1,"best_of":2,"stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"model":"gpt-4o","max_tokens":null,"max_completion_tokens":null,"max_output_tokens":null,"n":null,"best_of":null,"stream":null,"stream_options":null}""")]
    [InlineData("""{"model":"gpt-4o","stream":false,"temperature":"0.5","metadata":{"n":"8"}}""")]
    [InlineData("""{"model":"gpt-4o","background":false}""")]
    [InlineData("""{"model":"gpt-4o","background":null}""")]
    public void Refusal_MembersOfTheirTypesOrNull_IsNull(string body) =>
        Assert.Null(ModelRequestMembers.Refusal(JsonElement.Parse(body)));

    [Theory]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","max_tokens":"100000","n":"8","stream":"true","messages":[{"role":"user","content":"Say hello."}]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","max_completion_tokens":100,"best_of":"8","messages":[]}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","max_tokens":100,"stream":"true","messages":[]}""")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","max_output_tokens":"100000","input":"Say hello."}""")]
    public async Task Providers_ModelMemberOfAnotherType_IsRefusedAsAnOpenAIErrorAndRecorded(string path, string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","max_tokens":"100000","n":"8","stream":"true","messages":[]}""")]
    [InlineData("""{"model":"gpt-4o","max_tokens":100,"stream_options":"include_usage","messages":[]}""")]
    public async Task ModelAction_ModelMemberOfAnotherType_IsRefusedAndRecorded(string request)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/model", $$"""{"connector":"openai","request":{{request}}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Theory]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","max_output_tokens":100,"background":true,"input":"Say hello."}""", "a background response is answered")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","max_output_tokens":100,"background":"true","input":"Say hello."}""", "must be false or null")]
    [InlineData("/providers/openai/responses", """{"model":"gpt-4o","max_output_tokens":100,"Background":true,"input":"Say hello."}""", "matches names without case")]
    [InlineData("/providers/openai/responses?background=true", """{"model":"gpt-4o","max_output_tokens":100,"input":"Say hello."}""", "takes model members from the query")]
    public async Task Providers_ResponsesWithBackgroundTrue_IsRefusedAndNothingForwarded(string path, string body, string detail)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body));

        Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","max_output_tokens":100,"background":true,"input":"Say hello."}""")]
    [InlineData("""{"model":"gpt-4o","max_tokens":100,"n_predict":-1,"messages":[]}""")]
    public async Task ModelAction_BackgroundOrNPredict_IsRefusedAndRecorded(string request)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/model", $$"""{"connector":"openai","request":{{request}}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Theory]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","max_tokens":100,"n_predict":-1,"messages":[{"role":"user","content":"Say hello."}]}""")]
    [InlineData("/providers/openai/completions", """{"model":"gpt-4o","max_tokens":100,"n_predict":100000,"prompt":"Say hello."}""")]
    [InlineData("/providers/openai/chat/completions", """{"model":"gpt-4o","max_tokens":100,"nPredict":-1,"messages":[]}""")]
    [InlineData("/providers/openai/chat/completions?n_predict=-1", """{"model":"gpt-4o","max_tokens":100,"messages":[]}""")]
    public async Task Providers_NPredictBesideMaxTokens_IsRefusedAndNothingForwarded(string path, string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body));

        Assert.Contains("n_predict", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Fact]
    public async Task Providers_RequestWithoutACeiling_IsForwardedWithNoneAdded()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"Say hello. {{marker}}"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/v1/chat/completions"), r => r.Body.Contains(marker, StringComparison.Ordinal));
        using var sent = JsonDocument.Parse(received.Body);
        Assert.False(sent.RootElement.TryGetProperty("max_completion_tokens", out _));
        Assert.False(sent.RootElement.TryGetProperty("max_tokens", out _));
    }

    /// <summary>A request that asks the model for no answer (embeddings) goes with no ceiling added: OpenAI refuses an argument it does not know there.</summary>
    [Theory]
    [InlineData("/providers/openai/embeddings", "/v1/embeddings")]
    public async Task Providers_RequestThatAsksForNoAnswer_ArrivesUpstreamWithNoCeiling(string path, string upstream)
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path,
            $$"""{"model":"text-embedding-3-small","input":"{{marker}}"}"""));

        var received = Assert.Single(_gw.Upstream.To(upstream), r => r.Body.Contains(marker, StringComparison.Ordinal));
        using var sent = JsonDocument.Parse(received.Body);
        Assert.False(sent.RootElement.TryGetProperty("max_completion_tokens", out _), received.Body);
        Assert.False(sent.RootElement.TryGetProperty("max_tokens", out _), received.Body);
    }

    [Fact]
    public async Task Providers_ModelMembersOfTheirTypesOrNull_AreForwarded()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","max_tokens":1e2,"max_completion_tokens":null,"n":1,"stream":false,"stream_options":null,"messages":[{"role":"user","content":"Say hello."}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Providers_ModelMembersSpelledOnce_AreForwarded()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("?model=o1-pro")]
    [InlineData("?MAX_TOKENS=100000")]
    [InlineData("?maxCompletionTokens=100000")]
    [InlineData("?stream=true")]
    [InlineData("?api-version=2024-10-21&n=8")]
    [InlineData("?%6Dodel=o1-pro")]
    [InlineData("?max%5Foutput%5Ftokens=100000")]
    [InlineData("?model[]=o1-pro")]
    public async Task Providers_ModelMemberInTheQuery_IsRefusedAsAnOpenAIErrorAndNothingForwarded(string query)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions" + query,
            """{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}"""));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        await AssertRefusalRecordedAsync(response);
    }

    [Fact]
    public async Task Providers_ApiVersionQuery_IsForwarded()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions?api-version=2024-10-21",
            $$"""{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello. {{marker}}"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gw.Upstream.To("/v1/chat/completions"), r => r.Body.Contains(marker, StringComparison.Ordinal));
        Assert.EndsWith("?api-version=2024-10-21", received.Target, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_ResponsesStoredPromptWithoutModel_IsRefusedAndNothingForwarded()
    {
        // A stored prompt runs the model it was saved with, which no rule on $.model, budget or run price would see.
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/responses",
            """{"prompt":{"id":"pmpt_x","version":"2"},"max_output_tokens":100}"""));

        Assert.Contains("names a stored prompt", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        await AssertRefusalRecordedAsync(response);
        using var native = await _gw.Agent.PostJsonAsync("/v1/actions/model", """{"connector":"openai","request":{"prompt":{"id":"pmpt_x"},"max_output_tokens":100}}""");
        await ProblemAssert.IsProblemAsync(native, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_ResponsesStoredPromptWithModel_IsForwarded()
    {
        var marker = Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/responses",
            $$$"""{"model":"gpt-4o","prompt":{"id":"pmpt_x","variables":{"topic":"{{{marker}}}"}},"max_output_tokens":100}"""));

        Assert.Single(_gw.Upstream.To("/v1/responses"), r => r.Body.Contains(marker, StringComparison.Ordinal));
    }

    private async Task AssertRefusalRecordedAsync(HttpResponseMessage response)
    {
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("openai", record.GetProperty("tool").GetString());
        Assert.Contains("malformed_body", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }
}
