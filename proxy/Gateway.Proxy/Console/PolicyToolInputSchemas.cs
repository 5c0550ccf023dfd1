using Gateway.Oversight.Notifications;

namespace Gateway.Proxy.Console;

/// <summary>The tools' input schemas from the policy as loaded, the one the console's approval pages read (<see cref="ConsoleApprovalRead.TenantOf"/>).</summary>
internal sealed class PolicyToolInputSchemas(Bundle.PolicyProvider policy) : IToolInputSchemas
{
    public string? InputSchemaOf(string tenant, string tool)
    {
        Gateway.Policy.CatalogEntry? entry = null;
        ConsoleApprovalRead.TenantOf(policy, tenant)?.TryGetCatalogEntry(tool, out entry);
        return entry?.InputSchema;
    }
}
