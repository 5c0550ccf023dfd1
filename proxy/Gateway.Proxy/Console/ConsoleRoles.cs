namespace Gateway.Proxy.Console;

/// <summary>
/// The console's roles, given by the provider's groups (<see cref="ConsoleTenantOptions.Roles"/>). None implies another:
/// an admin is not an approver unless given both, as on the admin API.
/// </summary>
internal static class ConsoleRoles
{
    /// <summary>Sees the approval queue and approves or denies what names them.</summary>
    public const string Approver = "approver";

    /// <summary>Reads and verifies the audit journal, reads incidents, the register and delegations.</summary>
    public const string Auditor = "auditor";

    /// <summary>Everything an auditor reads, and throws kill switches (suspend or resume an agent).</summary>
    public const string Operator = "operator";

    /// <summary>Everything an operator does.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Approver, Auditor, Operator, Admin];

    /// <summary>Roles that read the journal, incidents, the register and delegations.</summary>
    public static IReadOnlyList<string> Readers { get; } = [Auditor, Operator, Admin];

    /// <summary>Roles that throw kill switches.</summary>
    public static IReadOnlyList<string> Switchers { get; } = [Operator, Admin];
}
