using Gateway.Admin;
using Gateway.Audit;
using Gateway.Audit.Options;
using Gateway.Authorization.AccessTokens;
using Gateway.Connectors;
using Gateway.Connectors.Credentials;
using Gateway.Oversight;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Options;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Console;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.People;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Security;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>Builds the gateway's web application: services, options and the request pipeline.</summary>
public static class GatewayApplication
{
    /// <summary>Builds the application; <paramref name="configure"/> runs before any service reads configuration.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The slim builder: no IIS integration and no HTTP/3 (the gateway listens on HTTP/1.1 and 2 behind its ingress),
        // so neither loads at start (docs/performance.md, "Memory"). What the full builder adds that the gateway uses is
        // added back: HTTPS endpoints from configuration, the console routes' regex constraint, the EventSource log sink.
        // Its configuration files are polled, not watched with the content root below them (ConfigurationFilePolling).
        var builder = WebApplication.CreateSlimBuilder(ConfigurationFilePolling.HostArguments(args));
        ConfigurationFilePolling.PollFiles(builder.Configuration, builder.Environment.ContentRootPath);
        FrameworkLogLevels.Apply(builder);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Services.AddRouting();
        builder.Logging.AddEventSourceLogger();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Room for the longest X-Gamut-Person the options allow beside the signature and the other headers.
            kestrel.Limits.MaxRequestHeadersTotalSize = PersonOptions.LongestTokenLength + 32 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        InlineIo.Apply(builder, Gateway.Store.StateStoreOptions.Read(builder.Configuration).IsRedis);
        configure?.Invoke(builder);
        builder.Services.AddGatewayCore(builder.Configuration, builder.Environment);

        var app = builder.Build();
        app.UseGatewayPipeline();
        return app;
    }

    /// <summary>Registers the gateway's services.</summary>
    public static IServiceCollection AddGatewayCore(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        // First: a Gateway:* key no options class binds (a misspelling) stops the start, not a protection silently left off.
        GatewayConfigurationKeys.Check(configuration);

        // Read before the container exists (they decide what is registered), each validated as its registration would be.
        var data = StartupOptions.Read(configuration, GatewayDataOptions.SectionName, new GatewayDataOptionsValidator());
        var dataDirectory = data.DataDirectoryPath(environment);
        var keys = GatewayKeysLoader.Load(configuration, environment, dataDirectory);
        var (receiptKeys, ephemeralReceiptKeys) = ReceiptKeysLoader.Load(configuration, environment, dataDirectory);
        var store = Gateway.Store.StateStoreOptions.Read(configuration);
        var embedded = !store.IsRedis;
        var postgres = configuration.GetSection(Gateway.Store.Postgres.PostgresStoreOptions.SectionName).Get<Gateway.Store.Postgres.PostgresStoreOptions>()?.IsConfigured == true;
        var credentials = StartupOptions.Read(configuration, GatewayCredentialsOptions.SectionName, new GatewayCredentialsOptionsValidator());
        data.ApplyDefaults(configuration, dataDirectory, store, postgres);
        // A measurement switch (docs/performance.md): off hands every group-commit waiter to the thread pool.
        Gateway.Store.GroupWaiters.CompleteInline = store.CompleteWaitersInline;
        // Off completes only a group's last waiter inline, the others on the thread pool (docs/performance.md).
        Gateway.Store.GroupWaiters.CompleteGroupsInline = store.CompleteGroupsInline;

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(keys);
        services.AddSingleton(Options.Create(credentials));
        services.AddSingleton<WebhookSigningKeys>();
        services.AddSingleton(receiptKeys);
        if (ephemeralReceiptKeys)
        {
            services.AddHostedService<EphemeralReceiptKeysWarning>();
        }
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddHostedService<NativeHeapTrimmer>();
        services.AddSingleton<GatewayMetrics>();

        // State: nonces, limits, budgets, approvals (and in Redis mode, audit and vault).
        services.AddGatewayStateStore(configuration);

        // What replicas may share and rebuild (person tokens, OpenID documents, MCP tool lists): HybridCache, over Redis on the Redis store.
        services.AddGatewaySharedCache(embedded);

        // The system of record on PostgreSQL, when configured (migrated before the services that use it start).
        if (data.Audit.Sink == AuditOptions.PostgresSink || postgres)
        {
            services.AddGatewayPostgres(configuration);
        }

        // Connectors, the vault and credential injection; the embedded vault is a file beside the audit journal.
        services.AddSingleton(keys.DataKeys);
        services.AddGatewayConnectors(options =>
        {
            options.CredentialRecords = CredentialRecordStores.ForHost(embedded ? Path.Combine(dataDirectory, "credentials.json") : null);
            options.Resolver = options.Resolver with { CredentialsRoot = credentials.Root, VaultCacheTtl = credentials.VaultCacheTtl };
        });

        // Oversight: approvals, kill switches, audit journal, incidents; the admin API's tokens. Warrants and decision tokens'
        // bindings are signed under keys derived from the active data key, which only the gateway holds (verifiers of
        // decision tokens hold the decision signing key).
        services.AddGatewayOversight(configuration, _ => new OversightKeys(keys.DecisionSigningKey, keys.ServiceKey, keys.DataKeys.Active.Key.ToArray()));
        services.AddGatewayAdmin(configuration);
        services.AddSingleton<ICredentialAdmin, VaultCredentialAdmin>();
        services.AddSingleton<IAuditExporter, LoggingAuditExporter>();

        // The stages' services, in request order (the stages themselves: Hosting/GovernancePipelineExtensions.cs).
        // 1-Authenticate (and 2-Describe): the loaded bundle, the agents' secrets from it, the Authenticate stage.
        // A reload reads the agents' vault: secrets from the store, never the injection cache (a rotation through another replica is seen at once).
        services.AddSingleton<IAgentSecretResolver>(sp =>
        {
            var vault = sp.GetRequiredService<CredentialResolver>();
            return new ReferenceSecretResolver(async (tenant, name, cancellationToken) =>
                (await vault.ResolveFreshAsync(tenant, "vault:" + name, cancellationToken).ConfigureAwait(false)).Value);
        });
        services.AddSingleton<PolicyProvider>();
        services.AddHostedService<PolicyInForcePublisher>();
        services.AddHostedService<PolicyStartupService>();
        services.AddHostedService<PolicyReloadOnHangup>();
        services.AddSingleton<IAgentDirectory, PolicyAgentDirectory>();
        services.AddSingleton<Oversight.Delegations.IDelegationSettingsSource>(static sp => sp.GetRequiredService<IAgentDirectory>());
        services.AddSingleton<DelegateDirectory>();
        services.AddSingleton<IDelegatedChildLiveness>(static sp => sp.GetRequiredService<DelegateDirectory>());
        services.AddAgentAuthentication();
        services.AddActingForPerson(configuration);
        services.AddSingleton<PersonAuthentication>();
        services.AddSingleton<RunAuthentication>();

        // Beside the stages: the approvals console at /console (people sign in at the tenant's OpenID provider).
        services.AddTrustedProxies(configuration);
        services.AddGatewayConsole(configuration);
        services.AddAgentAccessTokens(configuration, keys);

        // 3-Admit: nonce, kill switches, rate limits in one store call.
        services.AddSingleton<AdmissionGate>();
        services.AddSingleton(static sp =>
        {
            // A switch flipped here moves the agent's token generations: its next request is not decided on the view.
            var view = new AdmissionView(sp.GetRequiredService<TimeProvider>());
            sp.GetRequiredService<Gateway.Oversight.Agents.AgentStatusService>().Switched += view.Forget;
            return view;
        });

        // 4-Decide: the engine, decision tokens, approvals and warrants against the register.
        services.AddSingleton<Gateway.Oversight.Register.IRegisterDirectory, PolicyRegisterDirectory>();
        services.AddSingleton<Gateway.Oversight.Agents.IAgentSecretRotation, PolicySecretRotation>();
        services.AddSingleton<Gateway.Oversight.Approvals.IWarrantCompatibility, PolicyWarrantCompatibility>();
        services.AddSingleton(sp => new DecisionTokenIssuer(
            keys.DecisionSigningKey.Span,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.DecisionTokens.Lifetime,
            sp.GetRequiredService<DecisionTokenBinding>()));
        services.AddSingleton<GovernanceService>();

        // 5-Record: the audit journal's writer for decisions and outcomes.
        services.AddSingleton<AuditRecorder>();

        // 6-Enforce: what a recorded decision asks to be written (approvals, incidents, warrants), and model-token budgets.
        services.AddSingleton<Gateway.Proxy.Enforce.DecisionEffectWriter>();
        services.AddGatewayA2a();
        services.AddSingleton<TokenBudgets>();
        services.AddSingleton<RunCounters>();
        services.AddSingleton<RunLimitGate>();

        // 7-Forward: the one forwarding path, YARP, with routes and clusters from the bundle and the gateway's transforms.
        services.AddReverseProxy().AddGatewayTransforms();
        services.AddSingleton<CatalogProxyConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<CatalogProxyConfigProvider>());
        services.AddSingleton<IForwarderHttpClientFactory, UpstreamHttpClientFactory>();

        // The route kinds that forward to a connector: each its YARP route, describer and responder.
        services.AddGatewayRoutes();

        // 8-Respond: every refusal in the gateway's shape, the framework's own included.
        services.AddGatewayProblemDetails();

        // The gateway's own MCP server on /mcp, a route kind: every message walks the stages above.
        services.AddGatewayMcpServer(configuration);

        // The routes that forward nothing (runs, run events, delegations, approval polls, remote agents' cards): route
        // kinds with a local destination, walked by the stages above.
        services.AddLocalRouteKinds();
        services.AddGatewayHealthChecks();

        // Last: it decorates the registered IStateStore with store spans.
        services.AddGatewayTelemetry(configuration, environment);
        // After every registration that adds Data Protection (YARP's): its key ring loads when a cookie first needs it.
        services.LoadDataProtectionKeyRingOnFirstUse();
        return services;
    }

    /// <summary>
    /// The request pipeline: trusted proxies' forwarded headers, request id, HSTS, fail-closed error handling (the exception handler and the
    /// status-code pages answer through <see cref="GatewayProblemDetailsWriter"/>), health, authentication,
    /// routes, the governed YARP pipeline.
    /// </summary>
    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
        // First: the scheme and client address as a trusted proxy saw them (nothing trusted unless configured).
        app.UseTrustedProxies();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<StrictTransportSecurity>();
        app.UseGatewayTelemetry();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseGatewayConsoleHeaders();
        app.UseRouting();
        app.MapGatewayHealth();
        app.MapGatewayRoot();
        app.MapGet("/openapi.yaml", static (IWebHostEnvironment environment) =>
            OpenApiDocument.Serve(environment)).ExcludeFromDescription();
        app.MapGatewayAccessTokens();
        app.MapGatewayMcp();

        // Every agent action (the native /v1 routes and /providers) walks the governance stages inside YARP. A connector's
        // own routes are never matched by a path: the Enforce stage moves a decided request onto one.
        app.MapReverseProxy(static pipeline => pipeline.UseGovernance())
            .ConfigureEndpoints(static (endpoint, route) =>
            {
                // Chosen by the route, not the path's spelling: every YARP route is an agent route, proven by 1-Authenticate
                // first in its walk.
                endpoint.Add(static builder => builder.Metadata.Add(AgentRouteMetadata.Instance));
                if (route.RouteId == McpEndpoint.RouteId)
                {
                    // An OAuth protected resource: an access token issued for /mcp is accepted as well as a signed request.
                    endpoint.AcceptAccessTokens(McpEndpoint.Path);
                }

                if (ConnectorRoutes.IsConnectorRoute(route))
                {
                    endpoint.Add(static builder => builder.Metadata.Add(new SuppressMatchingMetadata()));
                }
            });
        app.MapGatewayAdmin().MapConsoleUserAdmin();
        app.MapGatewayConsole();
        app.MapDecisionTokenVerification();
        app.MapReceiptKeys();
        return app;
    }
}
