using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Connectors.Signing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>Every rejection case of the agent protocol's signed requests, against the real host.</summary>
public sealed class SignedRequestTests : IAsyncLifetime
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;
    private AgentClient _agent = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory);
        _agent = new AgentClient(_gateway.Client, _bundle.AgentSecret);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Fact]
    public async Task Evaluate_CorrectlySigned_IsAccepted()
    {
        using var response = await _agent.PostJsonAsync("/v1/evaluate", EvaluateBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"decision\":\"allow\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_ExactReplay_IsRefused()
    {
        using var original = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        using var replay = await AgentClient.CloneAsync(original);
        using var first = await _gateway.Client.SendAsync(original);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await _gateway.Client.SendAsync(replay);

        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Unauthorized, "replayed_nonce");
    }

    [Fact]
    public async Task Evaluate_WrongSignature_IsRefused()
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        request.Headers.Remove(SignatureHeaders.Signature);
        request.Headers.Add(SignatureHeaders.Signature, "v1=" + new string('0', 64));

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task Evaluate_TamperedBody_IsRefused()
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        request.Content = new StringContent(EvaluateBody.Replace("42", "43", StringComparison.Ordinal), Encoding.UTF8, "application/json");

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task Evaluate_TamperedQuery_IsRefused()
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate?x=1", EvaluateBody);
        request.RequestUri = new Uri(_gateway.BaseAddress, "/v1/evaluate?x=2");

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Theory]
    [InlineData(-305)]
    [InlineData(305)]
    // Timestamps are whole seconds: stay a few seconds past the 300 s window so that rounding cannot land inside it.
    public async Task Evaluate_TimestampOutsideWindow_IsRefused(int offsetSeconds)
    {
        var skewed = new AgentClient(_gateway.Client, _bundle.AgentSecret, time: new OffsetTimeProvider(TimeSpan.FromSeconds(offsetSeconds)));

        using var response = await skewed.PostJsonAsync("/v1/evaluate", EvaluateBody);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "stale_timestamp");
    }

    [Fact]
    public async Task Evaluate_TimestampInsideWindow_IsAccepted()
    {
        var skewed = new AgentClient(_gateway.Client, _bundle.AgentSecret, time: new OffsetTimeProvider(TimeSpan.FromSeconds(-250)));

        using var response = await skewed.PostJsonAsync("/v1/evaluate", EvaluateBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Evaluate_Unsigned_IsRefused()
    {
        using var response = await _gateway.Client.PostAsync("/v1/evaluate", new StringContent(EvaluateBody, Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
    }

    [Theory]
    [InlineData(SignatureHeaders.Tenant)]
    [InlineData(SignatureHeaders.Workspace)]
    [InlineData(SignatureHeaders.Agent)]
    [InlineData(SignatureHeaders.Timestamp)]
    [InlineData(SignatureHeaders.Nonce)]
    [InlineData(SignatureHeaders.Signature)]
    public async Task Evaluate_MissingHeader_IsRefused(string header)
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        request.Headers.Remove(header);

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
    }

    [Theory]
    [InlineData(SignatureHeaders.Nonce, "short")]
    [InlineData(SignatureHeaders.Nonce, "has spaces in it, which is not allowed")]
    [InlineData(SignatureHeaders.Timestamp, "12.5")]
    [InlineData(SignatureHeaders.Timestamp, "-100")]
    [InlineData(SignatureHeaders.Signature, "v2=abc")]
    [InlineData(SignatureHeaders.Tenant, "Demo")]
    [InlineData(SignatureHeaders.Agent, "demo agent")]
    public async Task Evaluate_MalformedHeader_IsRefused(string header, string value)
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "malformed_header");
    }

    [Fact]
    public async Task Evaluate_HugeNonce_IsRefusedWithoutStoringIt()
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody, nonce: new string('a', 4096));

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "malformed_header");
    }

    [Fact]
    public async Task Evaluate_DuplicatedHeader_IsRefused()
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Agent, "rogue-agent");

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "malformed_header");
    }

    [Fact]
    public async Task Evaluate_UnknownAgent_IsRefused()
    {
        var stranger = new AgentClient(_gateway.Client, _bundle.AgentSecret, agent: "nobody");

        using var response = await stranger.PostJsonAsync("/v1/evaluate", EvaluateBody);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unknown_agent");
    }

    [Fact]
    public async Task Evaluate_UnknownTenant_IsRefused()
    {
        var stranger = new AgentClient(_gateway.Client, _bundle.AgentSecret, tenant: "other");

        using var response = await stranger.PostJsonAsync("/v1/evaluate", EvaluateBody);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unknown_agent");
    }

    [Fact]
    public async Task Evaluate_SignedWithAnotherAgentsSecret_IsRefused()
    {
        var impostor = new AgentClient(_gateway.Client, "not-the-demo-secret-0123456789");

        using var response = await impostor.PostJsonAsync("/v1/evaluate", EvaluateBody);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task Evaluate_SecretInAuthorizationHeader_IsRefused()
    {
        using var request = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _bundle.AgentSecret);

        using var response = await _gateway.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
    }

    [Fact]
    public async Task Evaluate_SecretInBody_IsRefused()
    {
        var body = "{\"tool\":\"crm.read_contact\",\"args\":{\"note\":\"" + _bundle.AgentSecret + "\"}}";

        using var response = await _agent.PostJsonAsync("/v1/evaluate", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
    }

    [Fact]
    public async Task Evaluate_OversizedBody_IsRefusedWith413()
    {
        var body = "{\"tool\":\"crm.read_contact\",\"args\":{\"blob\":\"" + new string('x', 5 * 1024 * 1024) + "\"}}";

        using var response = await _agent.PostJsonAsync("/v1/evaluate", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Evaluate_ReplayAfterRefusedSignature_StillAcceptsTheGenuineRequest()
    {
        // A forged request must not burn the nonce of the genuine one.
        const string nonce = "nonce-shared-by-forgery-0001";
        using var forged = _agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody, nonce);
        forged.Headers.Remove(SignatureHeaders.Signature);
        forged.Headers.Add(SignatureHeaders.Signature, "v1=" + new string('1', 64));
        using var refused = await _gateway.Client.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var genuine = await _gateway.Client.SendAsync(_agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody, nonce));

        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }

    [Fact]
    public async Task Healthz_NeedsNoSignature()
    {
        using var health = await _gateway.Client.GetAsync("/healthz");
        using var ready = await _gateway.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task UnknownAgentRoute_AfterAuthentication_IsNotFoundProblem()
    {
        using var response = await _agent.SendAsync(_agent.Create(HttpMethod.Get, "/v1/nothing-here"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }
}
