using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;

namespace Gateway.Records.Tests.Infrastructure;

internal static class TestIncidents
{
    /// <summary>A new incident of <paramref name="tenant"/>, opened at <paramref name="openedAt"/> (now when null).</summary>
    public static Incident New(string tenant, DateTimeOffset? openedAt = null) => new()
    {
        Id = ApprovalIds.NewId("inc_"),
        Tenant = tenant,
        Workspace = "ws-1",
        Agent = "agent-1",
        Tool = "payments.transfer",
        IntentDigest = "sha256:intent",
        FindingIds = ["finding-1"],
        OpenedAt = openedAt ?? DateTimeOffset.UtcNow,
    };
}
