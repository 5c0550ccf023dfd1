namespace Gateway.Admin.Tokens;

/// <summary>The admin API's roles. None implies another: an admin is not an approver unless given both.</summary>
public static class AdminRoles
{
    /// <summary>May list, approve and deny the approval requests that name them.</summary>
    public const string Approver = "approver";

    /// <summary>Manages tokens, kill switches and credentials; reads audit and incidents.</summary>
    public const string Admin = "admin";

    /// <summary>Reads and verifies the audit journal and incidents.</summary>
    public const string Auditor = "auditor";

    /// <summary>
    /// A service that carries out actions the gateway decided (an executor): may verify decision tokens
    /// (<c>POST /v1/decision-tokens/verify</c>) and nothing else.
    /// </summary>
    public const string Executor = "executor";

    public static IReadOnlyList<string> All { get; } = [Approver, Admin, Auditor, Executor];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
