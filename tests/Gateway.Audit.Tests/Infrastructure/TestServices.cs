using System.Diagnostics.Metrics;
using Gateway.Audit.Options;
using Gateway.Policy.Evidence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Audit.Tests.Infrastructure;

/// <summary>Builds the audit log's services by hand (no host) over a given sink and clock.</summary>
internal static class TestServices
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static AuditMetrics Metrics { get; } = new(Meters);

    /// <summary>The replica id of journals built here unless another is given.</summary>
    public const string Replica = "test-replica";

    /// <summary>Groups in flight per chain of the journals built here, whatever the machine's cores: the pipelined writer on every machine.</summary>
    public const int GroupsInFlight = 4;

    /// <summary>The receipt signing keys of the journals built here.</summary>
    public static readonly ReceiptKeyRing ReceiptKeys = ReceiptKeyRing.Generate(DateTimeOffset.UnixEpoch);

    public static AuditJournal Journal(IAuditStore sink, TimeProvider time, params IAuditExporter[] exporters) =>
        Journal(sink, time, Replica, exporters);

    // One chain per replica unless a test asks for more, so that a test reading its replica's chain reads every record on any machine.
    public static AuditJournal Journal(IAuditStore sink, TimeProvider time, string replica, params IAuditExporter[] exporters) =>
        new(sink, exporters, time, Metrics, MsOptions.Create(new AuditOptions { ReplicaId = replica, ChainsPerReplica = 1, GroupsInFlight = GroupsInFlight }), MsOptions.Create(new EvidenceOptions()), ReceiptKeys, NullLogger<AuditJournal>.Instance);

    /// <summary>A journal of replica <see cref="Replica"/> writing <paramref name="chains"/> chains per tenant, its leaves told to <paramref name="leaves"/> when given.</summary>
    public static AuditJournal Journal(IAuditStore sink, TimeProvider time, int chains, Evidence.AuditLeaves? leaves = null) =>
        new(sink, [], time, Metrics, MsOptions.Create(new AuditOptions { ReplicaId = Replica, ChainsPerReplica = chains, GroupsInFlight = GroupsInFlight }), MsOptions.Create(new EvidenceOptions()), ReceiptKeys, NullLogger<AuditJournal>.Instance, leaves);

    /// <summary>A journal of replica <see cref="Replica"/> with its own instruments and evidence settings.</summary>
    public static AuditJournal Journal(IAuditStore sink, TimeProvider time, AuditMetrics metrics, EvidenceOptions evidence) =>
        new(sink, [], time, metrics, MsOptions.Create(new AuditOptions { ReplicaId = Replica, ChainsPerReplica = 1, GroupsInFlight = GroupsInFlight }), MsOptions.Create(evidence), ReceiptKeys, NullLogger<AuditJournal>.Instance);

    public static FileAuditStore FileSink(string directory) =>
        new(MsOptions.Create(new AuditOptions { Sink = AuditOptions.FileSink, Directory = directory }), NullLogger<FileAuditStore>.Instance);

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];
}
