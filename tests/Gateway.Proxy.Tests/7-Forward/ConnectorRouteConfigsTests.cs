using Gateway.Connectors.Credentials;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Policy;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Security;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// The connector routes built from the catalog carry their transforms' configuration as route values: YARP's transform
/// builder accepts every one, and the transforms built from them are configured by the connector (its credential, what
/// its envelope adds, how its answer is read).
/// </summary>
public sealed class ConnectorRouteConfigsTests : IAsyncDisposable
{
    private static readonly CatalogEntry Crm = new()
    {
        Name = "crm.read_contact",
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Read,
        Upstream = new Uri("http://crm.test/"),
        Credential = SecretReference.TryParse("vault:crm-token", null, out var reference) ? reference : null,
        Auth = new ConnectorAuth { HeaderName = "X-Api-Key" },
    };

    private static readonly CatalogEntry Hook = new() { Name = "orders.notify", Kind = ConnectorKind.Webhook, ActionType = ActionType.External, Upstream = new Uri("http://hooks.test/") };

    private static readonly CatalogEntry Tickets = new() { Name = "tickets", Kind = ConnectorKind.Mcp, ActionType = ActionType.Read, Upstream = new Uri("http://mcp.test/") };

    private static readonly CatalogEntry CreateTicket = new()
    {
        Name = "tickets.create", Kind = ConnectorKind.McpTool, ActionType = ActionType.Write, Connector = "tickets", McpTool = "create_ticket",
    };

    private readonly InMemoryStateStore _store = new();
    private readonly ServiceProvider _services;

    public ConnectorRouteConfigsTests()
    {
        var ring = new EncryptionKeyRing(DataEncryptionKey.Generate());
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new CredentialResolver(new CredentialVault(new StateStoreCredentialStore(_store), ring)));
        services.AddSingleton(new GatewayKeys(ring, new byte[32], new byte[32], ephemeral: true));
        services.AddSingleton<WebhookSigningKeys>();
        services.AddSingleton(new McpServerRequests(_store, Options.Create(new McpEndpointOptions())));
        services.AddSingleton<McpServerToolLists>();
        services.AddSingleton<McpAnswerRelay>();
        services.AddSingleton<McpSessionBinding>();
        services.AddReverseProxy().AddGatewayTransforms();
        _services = services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _store.Dispose();
    }

    private static IReadOnlyList<RouteConfig> Routes() => ConnectorRouteConfigs.Build(PolicySet.Create(
        [TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = [Crm, Hook, Tickets, CreateTicket] }, new string('0', 64))]));

    /// <summary>The transforms the gateway's factories build from one route's values.</summary>
    private TransformBuilderContext Built(RouteConfig route)
    {
        var context = new TransformBuilderContext { Route = route, Services = _services };
        var factories = _services.GetServices<ITransformFactory>().ToList();
        foreach (var values in route.Transforms!)
        {
            foreach (var factory in factories)
            {
                if (factory.Build(context, values))
                {
                    break;
                }
            }
        }

        return context;
    }

    private static RouteConfig Route(IReadOnlyList<RouteConfig> routes, CatalogEntry entry, bool provider) =>
        Assert.Single(routes, r => r.RouteId == ConnectorRoutes.IdOf(ConnectorClusters.IdOf("acme", entry), provider));

    [Fact]
    public void Build_EveryConnectorWithAnUpstream_TwoRoutesOnItsClusterThatYarpAccepts()
    {
        var routes = Routes();
        var builder = _services.GetRequiredService<ITransformBuilder>();

        Assert.Equal(6, routes.Count);
        Assert.DoesNotContain(routes, r => r.RouteId.Contains(CreateTicket.Name, StringComparison.Ordinal));
        foreach (var route in routes)
        {
            Assert.True(ConnectorRoutes.IsConnectorRoute(route));
            Assert.Empty(builder.ValidateRoute(route));
        }

        Assert.StartsWith("acme/crm.read_contact@", Route(routes, Crm, provider: true).ClusterId, StringComparison.Ordinal);
        Assert.Equal(Route(routes, Crm, provider: true).ClusterId, Route(routes, Crm, provider: false).ClusterId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Build_EitherRoute_PassesNoUpstreamTrailer(bool provider)
    {
        var transformer = _services.GetRequiredService<ITransformBuilder>().Build(Route(Routes(), Crm, provider), cluster: null);
        var trailers = new ResponseTrailers();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseTrailersFeature>(trailers);
        using var upstream = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        upstream.TrailingHeaders.TryAddWithoutValidation("X-Echo", "Bearer crm-secret");
        upstream.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");

        await transformer.TransformResponseTrailersAsync(context, upstream, CancellationToken.None);

        Assert.Empty(trailers.Trailers);
    }

    [Fact]
    public void Build_HttpConnector_CredentialAndHeaderAllowlistComeFromTheRouteValues()
    {
        var context = Built(Route(Routes(), Crm, provider: false));

        var allowlist = Assert.Single(context.RequestTransforms.OfType<HeaderAllowlistTransform>());
        Assert.True(allowlist.IsAllowed("X-Stainless-Os"));
        Assert.True(allowlist.IsAllowed("accept"));
        Assert.False(allowlist.IsAllowed("X-Api-Key"));
        Assert.False(allowlist.IsAllowed("X-Forwarded-For"));
        var injection = Assert.Single(context.RequestTransforms.OfType<CredentialInjectionTransform>());
        Assert.Equal("X-Api-Key", injection.Auth.HeaderName);
        Assert.False(injection.Auth.IsBearer);
        Assert.Equal("vault:crm-token", injection.Credential);
        Assert.Equal(UpstreamEnvelopeForm.Plain, Assert.Single(context.RequestTransforms.OfType<UpstreamEnvelopeTransform>()).Form);
        Assert.Equal(ConnectorKind.Http, Assert.Single(context.ResponseTransforms.OfType<GovernedResultTransform>()).Shape);
        Assert.False(context.CopyResponseHeaders);
    }

    [Fact]
    public void Build_WebhookAndMcpServer_TheirEnvelopesAndAnswersAsTheirKindsSay()
    {
        var routes = Routes();

        var hook = Built(Route(routes, Hook, provider: false));
        var server = Built(Route(routes, Tickets, provider: false));
        var serverProvider = Built(Route(routes, Tickets, provider: true));
        var crmProvider = Built(Route(routes, Crm, provider: true));

        Assert.Equal(UpstreamEnvelopeForm.GatewaySigned, Assert.Single(hook.RequestTransforms.OfType<UpstreamEnvelopeTransform>()).Form);
        Assert.Null(Assert.Single(hook.RequestTransforms.OfType<CredentialInjectionTransform>()).Credential);
        Assert.Equal(UpstreamEnvelopeForm.McpSession, Assert.Single(server.RequestTransforms.OfType<UpstreamEnvelopeTransform>()).Form);
        Assert.Equal(ConnectorKind.Mcp, Assert.Single(server.ResponseTransforms.OfType<GovernedResultTransform>()).Shape);
        Assert.Equal(SplitValueRedaction.PerEvent, Assert.Single(serverProvider.ResponseTransforms.OfType<ProviderBodyTransform>()).SplitValues);
        Assert.Equal(SplitValueRedaction.HoldBack, Assert.Single(crmProvider.ResponseTransforms.OfType<ProviderBodyTransform>()).SplitValues);
        Assert.Empty(serverProvider.ResponseTransforms.OfType<GovernedResultTransform>());
        Assert.Single(serverProvider.RequestTransforms.OfType<McpSessionRequestTransform>());
        Assert.Single(serverProvider.ResponseTransforms.OfType<McpSessionResponseTransform>());
        Assert.Empty(crmProvider.ResponseTransforms.OfType<McpSessionResponseTransform>());
        Assert.Empty(server.ResponseTransforms.OfType<McpSessionResponseTransform>());
    }

    [Fact]
    public void ValidateRoute_ConnectorRouteWithBadValues_YarpCollectsEveryError()
    {
        var route = Route(Routes(), Crm, provider: false);
        var broken = route with
        {
            Transforms = [.. route.Transforms!.Select(values => values.ContainsKey(CredentialInjectionTransformFactory.Key)
                ? new Dictionary<string, string>(values) { [CredentialInjectionTransformFactory.SchemeKey] = "Basic" }
                : values.ContainsKey(GovernedResultTransformFactory.Key)
                    ? new Dictionary<string, string> { [GovernedResultTransformFactory.Key] = "on" }
                    : values)],
        };

        var errors = _services.GetRequiredService<ITransformBuilder>().ValidateRoute(broken);

        Assert.Equal(2, errors.Count);
    }

    // The trailers of the answer to the agent, as Kestrel holds them on an HTTP/2 connection.
    private sealed class ResponseTrailers : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }
}
