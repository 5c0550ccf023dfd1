using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Decide;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// Which items of a workspace pack a read may receive: those its own decision covers, and those whose reading, with the
/// item's classes declared, is decided no more strictly than the read was; never by a warrant approved for the read, and
/// never an item of a regulated class under a redact degrade.
/// </summary>
public sealed class WorkspaceItemClearanceTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: notes, kind: context, action_type: context, data_classes: [internal], upstream: "http://h/notes", writeback: {} }
          - { name: records, kind: context, action_type: context, data_classes: [internal], upstream: "http://h/records", writeback: {}, degrade: { mode: redact } }
        agents:
          - { id: reader, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: notes }, { tool: records }] }
          - { id: ownerless, security_owner: alice, atf_level: L3, permissions: [{ tool: notes }, { tool: records }] }
          - { id: gated, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: notes }] }
          - { id: cleared, human_owner: hugo, security_owner: alice, atf_level: L3, permissions: [{ tool: notes }] }
        data_flows:
          - { agent: cleared, tool: notes, data_classes: [pii] }
        rules:
          - { id: gated-reads, match: { agents: [gated] }, effect: require_approval, reason: reads_need_approval, approvers: [alice] }
        """;

    private static readonly DataClassSet Pii = DataClass.Pii.ToSet();

    [Fact]
    public void Clear_LabelsTheReadWasDecidedOn_AreReturned()
    {
        var clearance = Clearance(Load(), "reader");

        var verdict = clearance.Clear(DataClass.Internal.ToSet());

        Assert.True(verdict.Returned);
        Assert.Equal(DecisionKind.Allow, verdict.Decision);
    }

    [Fact]
    public void Clear_RegulatedClassWithoutAFlow_IsWithheldWithTheRemedy()
    {
        var verdict = Clearance(Load(), "reader").Clear(Pii);

        Assert.False(verdict.Returned);
        Assert.Equal(DecisionKind.Degrade, verdict.Decision);
        Assert.Contains(verdict.WhatWouldChange, r => r.Contains("document a data flow for agent 'reader' through 'notes' with classes pii", StringComparison.Ordinal));
    }

    [Fact]
    public void Clear_RegulatedClassWithAFlow_IsReturned() =>
        Assert.True(Clearance(Load(), "cleared").Clear(Pii).Returned);

    [Fact]
    public void Clear_TopSecretWithoutAGateForItsApproval_IsWithheld()
    {
        var verdict = Clearance(Load(), "cleared").Clear(DataClass.TopSecret.ToSet());

        Assert.False(verdict.Returned);
        Assert.Equal(DecisionKind.Block, verdict.Decision);
    }

    [Fact]
    public void Clear_ReadAlreadyDegraded_ReturnsAnItemDecidedNoMoreStrictly()
    {
        var tenant = Load();
        var read = Read(tenant, "ownerless");
        Assert.Equal(DecisionKind.Degrade, read.Kind);

        Assert.True(new WorkspaceItemClearance(tenant, Caller("ownerless"), Request(), read).Clear(Pii).Returned);
    }

    [Fact]
    public void Clear_ReadDegradedToRedact_WithholdsEveryItemOfARegulatedClass()
    {
        var tenant = Load();
        var read = Read(tenant, "ownerless", "records");
        Assert.Equal(DegradeMode.Redact, read.Degrade!.Mode);
        var clearance = new WorkspaceItemClearance(tenant, Caller("ownerless"), Request("records"), read);

        Assert.True(clearance.Clear(DataClass.Internal.ToSet()).Returned);
        var verdict = clearance.Clear(Pii);
        Assert.False(verdict.Returned);
        Assert.Equal(DecisionKind.Degrade, verdict.Decision);
    }

    [Fact]
    public void Clear_ReadDeclaringTheClassOfAStoreThatRedacts_StillReceivesNoItemOfIt()
    {
        var tenant = Load();
        var declared = Request("records") with { DataClasses = [DataClass.Pii] };
        var read = DecisionEngine.Instance.Evaluate(tenant, Caller("reader"), declared);
        Assert.Equal(DecisionKind.Degrade, read.Kind);

        Assert.False(new WorkspaceItemClearance(tenant, Caller("reader"), declared, read).Clear(Pii).Returned);
    }

    [Fact]
    public void Clear_ReadApprovedWithAWarrant_DoesNotCarryTheApprovalToAnItemsClasses()
    {
        var tenant = Load();
        var held = Read(tenant, "gated");
        Assert.Equal(DecisionKind.RequireApproval, held.Kind);
        var approved = held.WithWarrant(held.IntentDigest);
        Assert.Equal(DecisionKind.AllowAndLog, approved.Kind);

        var clearance = new WorkspaceItemClearance(tenant, Caller("gated"), Request() with { Warrant = "w1.approved" }, approved);

        Assert.True(clearance.Clear(DataClass.Internal.ToSet()).Returned);
        var verdict = clearance.Clear(Pii);
        Assert.False(verdict.Returned);
        Assert.Equal(DecisionKind.RequireApproval, verdict.Decision);
    }

    [Fact]
    public void Clear_ShadowTenant_WithholdsNothing()
    {
        var tenant = Load("simulate: true\n");

        Assert.True(Clearance(tenant, "reader").Clear(DataClass.TopSecret.ToSet()).Returned);
    }

    private static WorkspaceItemClearance Clearance(TenantPolicy tenant, string agent) =>
        new(tenant, Caller(agent), Request(), Read(tenant, agent));

    private static Decision Read(TenantPolicy tenant, string agent, string tool = "notes") => DecisionEngine.Instance.Evaluate(tenant, Caller(agent), Request(tool));

    private static ActionRequest Request(string tool = "notes") => new() { Tool = tool };

    private static AuthenticatedCaller Caller(string agent) => new("t1", "w", agent);

    private static TenantPolicy Load(string extra = "")
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", extra + Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }
}
