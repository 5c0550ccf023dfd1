using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
using Gateway.Oversight.Register;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Infrastructure;

/// <summary>Builds the services by hand (no host) over a given store and clock.</summary>
internal static class TestServices
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static OversightMetrics Metrics { get; } = new(Meters);

    public static OversightOptions DefaultOptions { get; } = new();

    /// <summary>The approval service over <paramref name="store"/>; <paramref name="voters"/> say whose votes still count (default: everyone's).</summary>
    public static ApprovalService Approvals(IStateStore store, TimeProvider time, OversightKeys? keys = null, IWarrantCompatibility? compatibility = null, Voters? voters = null) =>
        Approvals(new StateStoreApprovalStore(store), store, time, keys, compatibility, voters);

    /// <summary>The approval service over <paramref name="approvals"/> (a wrapped store, say), its revocation marks in <paramref name="state"/>.</summary>
    public static ApprovalService Approvals(
        IApprovalStore approvals, IStateStore state, TimeProvider time, OversightKeys? keys = null, IWarrantCompatibility? compatibility = null, Voters? voters = null)
    {
        voters ??= new Voters();
        return new(approvals, state, new WarrantSigner(keys ?? TestKeys.Keys), compatibility ?? new EqualPolicyDigestsOnly(), voters, voters, voters, time, Metrics,
            MsOptions.Create(DefaultOptions), NullLogger<ApprovalService>.Instance);
    }

    public static AgentStatusService Agents(IStateStore store, TimeProvider time) =>
        new(store, new Gateway.Oversight.Tokens.TokenGenerations(store, NullLogger<Gateway.Oversight.Tokens.TokenGenerations>.Instance), time, NullLogger<AgentStatusService>.Instance);

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Whose votes still count, as a test sets it: every person is an approver of every tenant and none is suspended, and no
    /// credential is revoked, until the test removes, suspends or revokes one.
    /// </summary>
    public sealed class Voters : IRegisterDirectory, IPersonSuspensions, IVotingCredentials
    {
        private readonly ConcurrentDictionary<string, byte> _removed = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _suspended = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);

        /// <summary>Takes <paramref name="person"/> out of every register.</summary>
        public void Remove(string person) => _removed[person] = 0;

        public void Suspend(string person) => _suspended[person] = 0;

        public void Revoke(string credential) => _revoked[credential] = 0;

        public bool HasTenant(string tenant) => true;

        public bool HasAgent(string tenant, string agent) => true;

        public bool IsApprover(string tenant, string person) => !_removed.ContainsKey(person);

        public bool OwnsAgent(string tenant, string agent, string person) => false;

        public ValueTask<bool> IsPersonSuspendedAsync(string tenant, string person, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_suspended.ContainsKey(person));

        public ValueTask<bool> IsRevokedAsync(string tenant, string credential, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(_revoked.ContainsKey(credential));
    }
}
