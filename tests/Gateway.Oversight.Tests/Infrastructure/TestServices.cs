using System.Diagnostics.Metrics;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
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

    public static ApprovalService Approvals(IStateStore store, TimeProvider time, OversightKeys? keys = null, IWarrantCompatibility? compatibility = null) =>
        new(new StateStoreApprovalStore(store), store, new WarrantSigner(keys ?? TestKeys.Keys), compatibility ?? new EqualPolicyDigestsOnly(), time, Metrics, MsOptions.Create(DefaultOptions), NullLogger<ApprovalService>.Instance);

    public static AgentStatusService Agents(IStateStore store, TimeProvider time) =>
        new(store, new Gateway.Oversight.Tokens.TokenGenerations(store, NullLogger<Gateway.Oversight.Tokens.TokenGenerations>.Instance), time, NullLogger<AgentStatusService>.Instance);

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];
}
