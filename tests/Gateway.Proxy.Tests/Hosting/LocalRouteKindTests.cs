using System.Net;
using Gateway.Oversight;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// A route kind that forwards nothing is added by registering a describer, a responder and a local destination only: the
/// kind below (not the gateway's) is authenticated, described, admitted, decided, recorded, served by its destination and
/// answered by its responder, or refused and recorded without being served, with no stage edited for it.
/// </summary>
public sealed class LocalRouteKindTests : IAsyncLifetime
{
    private const string Kind = "TestEcho";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(configure: static builder => builder.Services
        .AddRouteKind<EchoDescriber, LocalAnswerResponder>(new RouteConfig
        {
            RouteId = "test-echo",
            ClusterId = ConnectorClusters.UnassignedCluster,
            Match = new RouteMatch { Path = "/v1/test-echo/{word}", Methods = ["GET"] },
            Metadata = new Dictionary<string, string> { [GatewayRouteKinds.MetadataKey] = Kind },
        })
        .AddLocalDestination<EchoDestination>(Kind));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Get_KindOfADescriberResponderAndLocalDestination_IsRecordedThenServedAndAnswered()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/v1/test-echo/hello"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoStore);
        var record = Assert.Single(await RunCalls.RecordsOfAsync(_gw.Admin(), response));
        Assert.Equal(("echo_served", "echo"), (record.GetProperty("decision").GetString(), record.GetProperty("tool").GetString()));
    }

    [Fact]
    public async Task Get_RefusalItsDescriberFound_IsRecordedAndNothingIsServed()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/v1/test-echo/refuse"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, ProblemCodes.Blocked);
        var record = Assert.Single(await RunCalls.RecordsOfAsync(_gw.Admin(), response));
        Assert.Equal("refused:blocked", record.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Get_Unsigned_IsRefusedBeforeItIsDescribed()
    {
        using var response = await _gw.Host.Client.GetAsync("/v1/test-echo/hello");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>Describes a word: served as itself, or refused (and recorded) when it is "refuse".</summary>
    private sealed class EchoDescriber : IRouteDescriber
    {
        public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, Gateway.Proxy.Authenticate.AuthenticatedRequest authenticated)
        {
            var identity = authenticated.Identity;
            var refusal = new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked, "The test kind refuses this word.");
            feature.Add(new LocalAction("echo", LocalAdmission.Request)
            {
                Entry = LocalEntry.Of(identity, "echo_served", StatusCodes.Status200OK),
                Refused = context.GetRouteValue("word") as string == "refuse" ? new LocalRefusal(refusal, LocalEntry.Refusing(identity, refusal)) : null,
            });
            return ValueTask.FromResult<(DescribedAction?, Refusal?)>((null, null));
        }
    }

    /// <summary>Serves the word, not to be cached; a refused word never reaches it.</summary>
    private sealed class EchoDestination : ILocalDestination
    {
        public Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
        {
            var word = context.GetRouteValue("word") as string;
            Assert.NotEqual("refuse", word);
            feature.Add(new LocalAnswer(Results.Text(word!)) { NoStore = true });
            return Task.CompletedTask;
        }
    }
}
