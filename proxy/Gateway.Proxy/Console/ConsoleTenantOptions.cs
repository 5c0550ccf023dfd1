namespace Gateway.Proxy.Console;

/// <summary><c>Gateway:Console:Tenants:&lt;tenant&gt;</c>: how a tenant's signed-in people are named and given roles.</summary>
internal sealed class ConsoleTenantOptions
{
    /// <summary>
    /// The ID token claim whose value is the person's id in the tenant's register (the ids under <c>approvers:</c> and
    /// agents' <c>security_owner</c>); <c>sub</c> unless set (often <c>email</c> or <c>preferred_username</c>).
    /// </summary>
    public string PersonClaim { get; set; } = "sub";

    /// <summary>
    /// Role → the provider's groups (from the tenant's <c>groups_claim</c>) that give it: <c>approver</c>, <c>auditor</c>,
    /// <c>operator</c>, <c>admin</c>. A person in none of them cannot sign in.
    /// </summary>
    public Dictionary<string, string[]> Roles { get; set; } = new(StringComparer.Ordinal);
}
