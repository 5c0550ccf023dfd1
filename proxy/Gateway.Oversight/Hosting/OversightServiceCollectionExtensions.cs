using Gateway.Audit;
using Gateway.Audit.Options;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Hosting;
using Gateway.Oversight.Incidents;
using Gateway.Oversight.Options;
using Gateway.Store;
using Gateway.Store.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight;

/// <summary>Registers the oversight services.</summary>
public static class OversightServiceCollectionExtensions
{
    /// <summary>
    /// Adds approvals and warrants, kill switches, runs, delegations, the audit journal (sink per
    /// <c>Gateway:Audit:Sink</c>; <c>postgres</c> needs <c>AddGatewayPostgres</c> first) with its readiness check (health check <c>audit</c>, tag <c>ready</c>),
    /// incidents and their notifier. Options bind from <c>Gateway</c> and are
    /// validated at start-up, all errors at once. <paramref name="keys"/> supplies the decision signing
    /// key, the service key and the gateway root key (a key only the gateway holds); when null the host must register an <see cref="OversightKeys"/> singleton.
    /// An <see cref="IStateStore"/> registered by the host wins over the in-memory fallback; approvals and incidents
    /// live in it, or in PostgreSQL when the host registered a <see cref="PostgresDatabase"/>
    /// (<c>AddGatewayPostgres</c>, <c>Gateway:Store:Postgres</c>), unless it registered stores of its own. The host must
    /// register an <see cref="Register.IRegisterDirectory"/> (the tenants' registers); start-up fails without one. The approval service
    /// also needs an <see cref="Register.IPersonSuspensions"/> and an <see cref="IVotingCredentials"/> (<c>AddGatewayAdmin</c> adds them):
    /// without them it cannot be built, so no vote is ever counted unchecked.
    /// </summary>
    public static IServiceCollection AddGatewayOversight(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, OversightKeys>? keys = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<OversightOptions>().Bind(configuration.GetSection(OversightOptions.SectionName)).ValidateOnStart();
        var storeRetiresLogs = !StateStoreOptions.Read(configuration).IsRedis;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OversightOptions>, OversightOptionsValidator>(_ => new OversightOptionsValidator(storeRetiresLogs)));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStateStore>(sp => new InMemoryStateStore(sp.GetRequiredService<TimeProvider>()));
        services.AddMetrics();
        // The webhook's URL may be its credential (a chat tool's path token): the client's default handlers would log it with every request.
        services.AddHttpClient(IncidentNotifier.HttpClientName).ConfigurePrimaryHttpMessageHandler(WebhookHttpHandler.Create).RemoveAllLoggers();
        if (keys is not null)
        {
            services.AddSingleton(keys);
        }

        services.TryAddSingleton<OversightMetrics>();
        services.TryAddSingleton(sp => new WarrantSigner(sp.GetRequiredService<OversightKeys>()));
        services.TryAddSingleton<IWarrantCompatibility, EqualPolicyDigestsOnly>();
        services.TryAddSingleton<IApprovalStore>(static sp => sp.GetService<PostgresDatabase>() is { } database
            ? new PostgresApprovalStore(database)
            : new StateStoreApprovalStore(sp.GetRequiredService<IStateStore>()));
        services.TryAddSingleton<IIncidentStore>(static sp => sp.GetService<PostgresDatabase>() is { } database
            ? new PostgresIncidentStore(database)
            : new StateStoreIncidentStore(
                sp.GetRequiredService<IStateStore>(),
                sp.GetRequiredService<IOptions<OversightOptions>>().Value.Incidents.OutboxCapacity,
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StateStoreIncidentStore>>(),
                sp.GetRequiredService<OversightMetrics>(),
                sp.GetRequiredService<IOptions<OversightOptions>>().Value.Incidents.OutboxCapacityPerTenant));
        services.TryAddSingleton<ApprovalService>();
        services.TryAddSingleton<AgentStatusService>();
        services.TryAddSingleton<Delegations.DelegationStore>();
        services.TryAddSingleton<Runs.RunStore>();
        services.TryAddSingleton<Tokens.TokenGenerations>();
        services.TryAddSingleton(static sp => new Gateway.Policy.Tokens.DecisionTokenBinding(sp.GetRequiredService<OversightKeys>().GatewayRootKey.Span));
        services.TryAddSingleton(static sp => new Gateway.Policy.Tokens.DecisionTokenReader(
            sp.GetRequiredService<OversightKeys>().DecisionSigningKey.Span, sp.GetRequiredService<Gateway.Policy.Tokens.DecisionTokenBinding>()));
        services.TryAddSingleton<Tokens.DecisionTokenVerifier>();
        services.TryAddSingleton<IncidentNotifier>();
        services.TryAddSingleton<IncidentNotificationWindow>();
        services.TryAddSingleton<IncidentService>();
        services.AddHostedService<OversightStartup>();

        // The audit log (Gateway.Audit), configured by the validated Gateway:Audit and Gateway:Evidence sections.
        services.TryAddSingleton<IOptions<AuditOptions>>(static sp => Microsoft.Extensions.Options.Options.Create(sp.GetRequiredService<IOptions<OversightOptions>>().Value.Audit));
        services.TryAddSingleton<IOptions<EvidenceOptions>>(static sp => Microsoft.Extensions.Options.Options.Create(sp.GetRequiredService<IOptions<OversightOptions>>().Value.Evidence));
        services.AddGatewayAudit();
        services.AddHostedService(static sp => new RecordsRetentionJob(
            sp.GetService<PostgresDatabase>(), sp.GetRequiredService<IOptions<OversightOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RecordsRetentionJob>>()));
        services.AddHostedService(static sp => sp.GetRequiredService<IncidentNotifier>());
        // gateway.approvals.pending, counted in the store.
        services.TryAddSingleton(static sp => new PendingApprovalsRefresher(
            new Lazy<ApprovalService>(sp.GetRequiredService<ApprovalService>), sp.GetRequiredService<OversightMetrics>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PendingApprovalsRefresher>>()));
        services.AddHostedService(static sp => sp.GetRequiredService<PendingApprovalsRefresher>());
        return services;
    }
}
