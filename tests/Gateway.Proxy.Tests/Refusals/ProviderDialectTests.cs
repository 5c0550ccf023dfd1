using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A refusal on <c>/providers/…</c> before the connector is known (the Authenticate stage's 401 and 413) is an OpenAI
/// error object when the target is an OpenAI API operation, so the official clients show the gateway's code instead of
/// "401 status code (no body)"; any other target stays problem+json. Nothing is forwarded either way.
/// </summary>
public sealed class ProviderDialectTests : IClassFixture<GovernedGatewayFixture>
{
    private const string Chat = """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

    private readonly GovernedGateway _gw;

    public ProviderDialectTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("POST", "/providers/openai/chat/completions")]
    [InlineData("POST", "/providers/openai/responses")]
    [InlineData("GET", "/providers/openai/models")]
    [InlineData("POST", "/providers/some-other-name/embeddings")]
    public async Task Providers_UnsignedOpenAIOperation_Is401AsAnOpenAIError(string method, string target)
    {
        var before = _gw.Upstream.Received.Count;
        using var request = new HttpRequestMessage(new HttpMethod(method), target) { Content = method == "POST" ? new StringContent(Chat, Encoding.UTF8, "application/json") : null };

        using var response = await _gw.Host.Client.SendAsync(request);

        var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.Unauthorized, "missing_header");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("/providers/openai/not/an/openai/operation")]
    [InlineData("/providers/crm/contacts/42")]
    public async Task Providers_UnsignedOtherTarget_Is401AsProblemJson(string target)
    {
        using var response = await _gw.Host.Client.PostAsync(target, new StringContent(Chat, Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
    }

    [Theory]
    [InlineData("/providers/openai//chat/completions")]
    [InlineData("/providers/openai/v1/../chat/completions")]
    public async Task Providers_OpenAIOperationPathNotCanonical_IsRefusedAsAnOpenAIError(string rawTarget)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.CreateRaw(HttpMethod.Post, rawTarget, Chat));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.BadRequest, "path_not_canonical");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_BodyOverTheGatewaysLimit_Is413AsAnOpenAIError()
    {
        var before = _gw.Upstream.Received.Count;
        var body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', (4 * 1024 * 1024) + 1024) + "\"}]}";

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", body));

        var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task Providers_WrongSecret_Is401AsAnOpenAIErrorWithTheChallenge()
    {
        using var request = _gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Chat);
        request.Headers.Remove("X-Gamut-Signature");
        request.Headers.TryAddWithoutValidation("X-Gamut-Signature", "v1=" + new string('0', 64));

        using var response = await _gw.Host.Client.SendAsync(request);

        var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Contains("signature", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ProviderRoute_ConnectorWithNoClusterYet_Is503WithShortRetryAfterAndShouldRetryTrue()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Services.Replace(ServiceDescriptor.Singleton<IProxyStateLookup, NoClusterInService>()));

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Chat));

        await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.ServiceUnavailable, "upstream_unavailable", shouldRetry: true);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Empty(gw.Upstream.To("/v1/chat/completions"));
    }

    /// <summary>YARP's state as it is before a connector's cluster is loaded: no route or cluster in service.</summary>
    private sealed class NoClusterInService : IProxyStateLookup
    {
        public bool TryGetRoute(string id, out RouteModel route)
        {
            route = null!;
            return false;
        }

        public IEnumerable<RouteModel> GetRoutes() => [];

        public bool TryGetCluster(string id, out ClusterState cluster)
        {
            cluster = null!;
            return false;
        }

        public IEnumerable<ClusterState> GetClusters() => [];
    }
}
