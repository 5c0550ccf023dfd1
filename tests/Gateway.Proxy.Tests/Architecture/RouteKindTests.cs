using System.Net;
using System.Text.Json;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// A route kind is added by adding files: a test-only kind on a test path, registered with its describer, its responder
/// and its local destination and nothing else, is authenticated, described, admitted, decided, recorded, enforced, served
/// in process and answered by the same stages as every other kind, with no stage edited for it.
/// </summary>
public sealed class RouteKindTests : IAsyncLifetime
{
    private const string Kind = "TestEcho";
    private const string Path = "/test/route-kinds/echo";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(configure: builder => builder.Services
        .AddRouteKind<EchoDescriber, EchoResponder>(GatewayRoutes.Post("test-echo", Path, Kind))
        .AddLocalDestination<EchoDestination>(Kind));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task AddRouteKind_DescriberResponderAndLocalDestinationOnly_AnsweredByItsResponderNothingForwarded()
    {
        var forwarded = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, Path, """{"say":"hello"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Kind, Assert.Single(response.Headers.GetValues(EchoResponder.Header)));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("hello", body.RootElement.GetProperty("echoed").GetString());
        Assert.Equal(1, Destination().Served);
        Assert.Equal(forwarded, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task AddRouteKind_ReplayedRequest_RefusedByAdmitBeforeItsDestination()
    {
        using var original = _gw.Agent.Create(HttpMethod.Post, Path, """{"say":"once"}""");
        using var replay = await AgentClient.CloneAsync(original);
        using var first = await _gw.Agent.SendAsync(original);
        var served = Destination().Served;

        using var second = await _gw.Agent.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Unauthorized, "replayed_nonce");
        Assert.Equal(served, Destination().Served);
    }

    [Fact]
    public async Task AddRouteKind_UnsignedRequest_RefusedByAuthenticateNeverDescribed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent("""{"say":"who?"}""") };

        using var response = await _gw.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains(EchoResponder.Header));
    }

    [Fact]
    public async Task AddRouteKind_BodyItsDescriberRefuses_WrittenByRespondInTheRoutesDialect()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, Path, """{"say":42}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.False(response.Headers.Contains(EchoResponder.Header));
    }

    private EchoDestination Destination() => (EchoDestination)_gw.Host.Services.GetRequiredKeyedService<ILocalDestination>(Kind);

    /// <summary>Describes <c>{"say": "…"}</c> as a request the gateway serves itself; anything else is refused.</summary>
    private sealed class EchoDescriber : IRouteDescriber
    {
        public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
        {
            using var json = JsonDocument.Parse(authenticated.Body);
            if (!json.RootElement.TryGetProperty("say", out var say) || say.ValueKind != JsonValueKind.String)
            {
                return new((null, new Refusal(StatusCodes.Status400BadRequest, "malformed_body", "Say a string.")));
            }

            feature.Add(new LocalAction("echo", LocalAdmission.Request) { State = say.GetString() });
            return new((null, null));
        }
    }

    /// <summary>Serves the echo in process.</summary>
    private sealed class EchoDestination : ILocalDestination
    {
        private int _served;

        public int Served => Volatile.Read(ref _served);

        public Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
        {
            Interlocked.Increment(ref _served);
            feature.Add(new LocalAnswer(Results.Json(new { echoed = feature.Get<LocalAction>().StateOf<string>() })));
            return Task.CompletedTask;
        }
    }

    /// <summary>Writes the echo, marked as this kind's answer.</summary>
    private sealed class EchoResponder : IRouteResponder
    {
        public const string Header = "X-Test-Route-Kind";

        public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature)
        {
            context.Response.Headers[Header] = Kind;
            return new ValueTask(feature.Get<LocalAnswer>().Result.ExecuteAsync(context));
        }
    }
}
