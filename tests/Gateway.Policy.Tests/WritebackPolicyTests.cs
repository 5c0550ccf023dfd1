using System.Text.Json;
using Gateway.Policy.Bundles;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tests;

/// <summary>
/// Governed writeback in the policy: a context entry's <c>writeback</c> as read from a bundle, and a writeback decided as
/// the <c>write</c> it is (<see cref="ActionRequest.WithActionType"/>) on the context entry: its permission, impact, gates,
/// rules and data flows are a write's, and its intent is not the read's.
/// </summary>
public sealed class WritebackPolicyTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: notes, kind: context, action_type: context, target_system: workspace, data_classes: [internal], upstream: "http://h/notes", writeback: { max_bytes: 4096 } }
          - { name: wiki, kind: context, action_type: context, upstream: "http://h/wiki" }
        agents:
          - id: writer
            human_owner: hugo
            security_owner: alice
            atf_level: L3
            permissions: [{ tool: notes, action_types: [context, write] }, { tool: wiki }]
          - id: reader
            human_owner: hugo
            security_owner: alice
            atf_level: L3
            permissions: [{ tool: notes }]
          - id: intern
            human_owner: hugo
            security_owner: alice
            atf_level: L1
            permissions: [{ tool: notes, action_types: [context, write] }]
        approval_gates:
          - id: confidential-notes
            match: { action_types: [write], target_systems: [workspace], data_classes: [confidential] }
            approvers: [alice]
        data_flows:
          - { agent: writer, tool: notes, data_classes: [confidential] }
        rules:
          - id: no-restricted-notes
            match: { tools: [notes], action_types: [write], data_classes: [restricted, top_secret] }
            effect: block
            reason: restricted_data_in_workspace
        """;

    private static readonly DecisionEngine Engine = DecisionEngine.Instance;

    [Fact]
    public void LoadTenantText_Writeback_IsReadOnlyFromContextEntriesThatDeclareIt()
    {
        var tenant = Load();

        Assert.True(tenant.TryGetCatalogEntry("notes", out var notes));
        Assert.Equal(4096, notes!.Writeback!.ContentBytes);
        Assert.True(tenant.TryGetCatalogEntry("wiki", out var wiki));
        Assert.Null(wiki!.Writeback);
        Assert.Equal(WritebackSettings.DefaultMaxBytes, new WritebackSettings().ContentBytes);
        Assert.Empty(BundleSchemaTests.Validate(Tenant));
        Assert.NotEmpty(BundleSchemaTests.Validate(Tenant.Replace("max_bytes: 4096", "max_rows: 4", StringComparison.Ordinal)));
    }

    [Fact]
    public void Evaluate_Writeback_IsAWriteOnTheContextEntry()
    {
        var decision = Engine.Evaluate(Load(), Caller("writer"), Write("""{"name":"n","content":"c"}"""));

        Assert.Equal(DecisionKind.AllowAndLog, decision.Kind);
        Assert.Equal(ActionType.Write, decision.Descriptor!.ActionType);
        Assert.Equal(ActionImpact.High, decision.Descriptor.Impact);
        Assert.Equal("notes", decision.Descriptor.Tool);
    }

    [Fact]
    public void Evaluate_WritebackAndReadOfOneEntry_HaveDifferentIntents()
    {
        var args = JsonDocument.Parse("""{"name":"n","content":"c"}""").RootElement;
        var write = Engine.Evaluate(Load(), Caller("writer"), new ActionRequest { Tool = "notes", Args = args }.WithActionType(ActionType.Write));
        var read = Engine.Evaluate(Load(), Caller("writer"), new ActionRequest { Tool = "notes", Args = args });

        Assert.Equal(ActionType.Context, read.Descriptor!.ActionType);
        Assert.Equal(DecisionKind.Allow, read.Kind);
        Assert.NotEqual(read.IntentDigest, write.IntentDigest);
    }

    [Fact]
    public void Evaluate_WritebackWithoutTheWritePermission_IsBlockedNamingTheActionType()
    {
        var decision = Engine.Evaluate(Load(), Caller("reader"), Write("""{"name":"n","content":"c"}"""));

        Assert.Equal(DecisionKind.Block, decision.Kind);
        var permission = Assert.Single(decision.Explanation.DecisionPath, c => c.Control == ControlId.ToolPermission);
        Assert.Contains("action type 'write'", permission.MissingEvidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WritebackByAnInternAgent_FailsTheAtfBoundary()
    {
        var decision = Engine.Evaluate(Load(), Caller("intern"), Write("""{"name":"n","content":"c"}"""));

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Contains(decision.Explanation.DecisionPath, c => c.Control == ControlId.AtfBoundary && c.Outcome == ControlOutcome.Fail);
    }

    [Theory]
    [InlineData("confidential", DecisionKind.RequireApproval)]
    [InlineData("restricted", DecisionKind.Block)]
    [InlineData("internal", DecisionKind.AllowAndLog)]
    public void Evaluate_WritebackOfADataClass_IsDecidedByTheWritesGatesAndRules(string dataClass, DecisionKind expected)
    {
        var request = Write("""{"name":"n","content":"c"}""") with { DataClasses = [WireNames.TryParse<DataClass>(dataClass, out var c) ? c : throw new ArgumentException(dataClass)] };

        var decision = Engine.Evaluate(Load(), Caller("writer"), request);

        Assert.Equal(expected, decision.Kind);
        if (expected == DecisionKind.RequireApproval)
        {
            Assert.Equal(["alice"], decision.Approvers);
        }
    }

    [Fact]
    public void Deserialize_ActionTypeFromTheWire_IsRefused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"tool":"notes","action_type":"write"}""", PolicyJsonContext.Default.ActionRequest));
        Assert.Null(JsonSerializer.Deserialize("""{"tool":"notes"}""", PolicyJsonContext.Default.ActionRequest)!.RouteActionType());
    }

    private static TenantPolicy Load()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }

    private static AuthenticatedCaller Caller(string agent) => new("t1", "w", agent);

    private static ActionRequest Write(string args) =>
        new ActionRequest { Tool = "notes", Args = JsonDocument.Parse(args).RootElement }.WithActionType(ActionType.Write);
}
