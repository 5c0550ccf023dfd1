using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests.Register;

/// <summary>
/// A catalog entry's <c>audit: {outcome: ...}</c> (issue #71): <c>before_response</c> asks for the entry's outcome record
/// before the agent is answered (mandatory detailed audit); <c>after_response</c> and no <c>audit</c> at all leave it after;
/// any other value is refused with its line.
/// </summary>
public sealed class CatalogAuditOutcomeTests
{
    [Fact]
    public void LoadTenantText_AuditOutcome_BeforeResponseOnlyWhereAsked()
    {
        const string Tenant = """
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: ledger, kind: http, action_type: write, upstream: "http://h/ledger", audit: { outcome: before_response } }
              - { name: notes, kind: http, action_type: read, upstream: "http://h/notes", audit: { outcome: after_response } }
              - { name: wiki, kind: http, action_type: read, upstream: "http://h/wiki" }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetCatalogEntry("ledger", out var ledger) && ledger!.OutcomeBeforeResponse);
        Assert.True(result.Tenant.TryGetCatalogEntry("notes", out var notes) && !notes!.OutcomeBeforeResponse);
        Assert.True(result.Tenant.TryGetCatalogEntry("wiki", out var wiki) && !wiki!.OutcomeBeforeResponse);
        Assert.Empty(BundleSchemaTests.Validate(Tenant));
    }

    [Fact]
    public void LoadTenantText_AuditOutcomeUnknownValueOrKey_RefusedWithItsLine()
    {
        const string Tenant = """
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: ledger, kind: http, action_type: write, upstream: "http://h/ledger", audit: { outcome: never } }
              - { name: notes, kind: http, action_type: read, upstream: "http://h/notes", audit: { detail: full } }
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());

        Assert.Contains(result.Errors, static e => e.Code == BundleErrorCodes.InvalidValue && e.Line == 4 && e.Message.Contains("audit.outcome", StringComparison.Ordinal));
        Assert.Contains(result.Errors, static e => e.Code == BundleErrorCodes.UnknownKey && e.Line == 5);
    }
}
