namespace Gateway.Oversight.Runs;

/// <summary>A run's status as the admin API and <c>gatewayctl runs</c> show it: active until it ends (<see cref="RunEnd"/>).</summary>
public static class RunStatuses
{
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Every status, in lifecycle order.</summary>
    public static IReadOnlyList<string> All { get; } = [Active, Completed, Failed, Cancelled];
}
