using System.Diagnostics.Metrics;
using System.Text;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
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

    public static ApprovalService Approvals(IApprovalStore store, TimeProvider? time = null) =>
        new(store, new Gateway.Store.InMemoryStateStore(), new WarrantSigner(Keys), new EqualPolicyDigestsOnly(), time ?? TimeProvider.System, Metrics, MsOptions.Create(new OversightOptions()), NullLogger<ApprovalService>.Instance);
}
