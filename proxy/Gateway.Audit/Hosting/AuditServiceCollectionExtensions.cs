using Gateway.Audit.Evidence;
using Gateway.Audit.Hosting;
using Gateway.Audit.Options;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Gateway.Store.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>Registers the audit log.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Adds the audit journal (sink per <see cref="AuditOptions.Sink"/>; <c>store</c> needs an <see cref="IStateStore"/>,
    /// <c>postgres</c> a <see cref="PostgresDatabase"/>) with its readiness check (health check <c>audit</c>, tag <c>ready</c>),
    /// the recovery of the file sink's tips at start, the backlog flusher, retention, and the Merkle evidence (leaves, proofs,
    /// signed checkpoints pushed to the witness) signed with the host's <see cref="ReceiptKeyRing"/> (one generated for this
    /// process when the host registers none). The caller registers <see cref="IOptions{TOptions}"/> of <see cref="AuditOptions"/>
    /// and <see cref="EvidenceOptions"/> (Gateway.Oversight derives them from its validated options) and a
    /// <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddGatewayAudit(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddMetrics();
        // A witness's redirect is not followed and no cookie kept: the checkpoint goes to the configured URL only, and a
        // 3xx is a failed push, never a delivery counted for another address.
        services.AddHttpClient(CheckpointPublisher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.TryAddSingleton<AuditMetrics>();
        services.TryAddSingleton<IAuditStore>(static sp => sp.GetRequiredService<IOptions<AuditOptions>>().Value.Sink switch
        {
            AuditOptions.StoreSink => sp.GetService<ILogRetirement>() is { } retirement
                ? new RetiringStoreAuditStore(sp.GetRequiredService<IStateStore>(), retirement)
                : new StoreAuditStore(sp.GetRequiredService<IStateStore>()),
            AuditOptions.PostgresSink => new PostgresAuditStore(sp.GetRequiredService<PostgresDatabase>()),
            _ => ActivatorUtilities.CreateInstance<FileAuditStore>(sp),
        });
        // Given the state store, when there is one, for an append that admits with a sink that cannot (admitted first).
        services.TryAddSingleton(static sp => new AuditJournal(
            sp.GetRequiredService<IAuditStore>(),
            sp.GetServices<IAuditExporter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AuditMetrics>(),
            sp.GetRequiredService<IOptions<AuditOptions>>(),
            sp.GetRequiredService<IOptions<EvidenceOptions>>(),
            sp.GetRequiredService<ReceiptKeyRing>(),
            sp.GetRequiredService<ILogger<AuditJournal>>(),
            sp.GetService<AuditLeaves>(),
            sp.GetService<IStateStore>()));
        services.AddHostedService<AuditStartup>();

        // The Merkle audit log: leaves, proofs and signed checkpoints, signed with the host's receipt key ring (one generated
        // for this process when the host registers none: the gateway loads its own, ReceiptKeysLoader).
        services.TryAddSingleton(static sp => ReceiptKeyRing.Generate(sp.GetRequiredService<TimeProvider>().GetUtcNow()));
        services.TryAddSingleton(static sp => new AuditLeaves(sp.GetRequiredService<IAuditStore>()));
        services.TryAddSingleton<AuditProofs>();
        services.TryAddSingleton<CheckpointPublisher>();
        services.AddHostedService(static sp => sp.GetRequiredService<CheckpointPublisher>());
        services.AddHealthChecks().AddCheck<AuditSinkHealthCheck>(AuditSinkHealthCheck.Name, tags: ["ready"]);
        services.AddHostedService<AuditBacklogFlusher>();
        services.TryAddSingleton<AuditRetention>();
        services.AddHostedService<AuditRetentionJob>();
        return services;
    }
}
