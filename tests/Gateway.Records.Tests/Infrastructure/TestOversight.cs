using System.Diagnostics.Metrics;
using System.Text;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
using Gateway.Oversight.Register;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Records.Tests.Infrastructure;

/// <summary>The oversight services built by hand over a given record store.</summary>
internal static class TestOversight
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static OversightKeys Keys { get; } = new(
        Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789"),
        Encoding.UTF8.GetBytes("gateway-service-key-for-tests-abcdefghijkl"),
        Encoding.UTF8.GetBytes("data-encryption-key-for-tests-mnopqrstuvwx"));

    public static OversightMetrics Metrics { get; } = new(Meters);

    /// <summary>The approval service over <paramref name="store"/>, its revocation marks kept in <paramref name="state"/> (a fresh in-memory store when none).</summary>
    public static ApprovalService Approvals(IApprovalStore store, TimeProvider? time = null, Gateway.Store.IStateStore? state = null) =>
        new(store, state ?? new Gateway.Store.InMemoryStateStore(), new WarrantSigner(Keys), new EqualPolicyDigestsOnly(), EveryoneCounts.Instance, EveryoneCounts.Instance,
            EveryoneCounts.Instance, time ?? TimeProvider.System, Metrics, MsOptions.Create(new OversightOptions()), NullLogger<ApprovalService>.Instance);

    /// <summary>Every person an approver of every tenant, none suspended, no credential revoked: the stores' tests count every vote.</summary>
    private sealed class EveryoneCounts : IRegisterDirectory, IPersonSuspensions, IVotingCredentials
    {
        public static EveryoneCounts Instance { get; } = new();

        public bool HasTenant(string tenant) => true;

        public bool HasAgent(string tenant, string agent) => true;

        public bool IsApprover(string tenant, string person) => true;

        public bool OwnsAgent(string tenant, string agent, string person) => false;

        public ValueTask<bool> IsPersonSuspendedAsync(string tenant, string person, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

        public ValueTask<bool> IsRevokedAsync(string tenant, string credential, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);
    }
}
