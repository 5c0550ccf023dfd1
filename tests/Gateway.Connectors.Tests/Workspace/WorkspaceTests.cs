using System.Text;
using System.Text.Json;
using Gateway.Connectors.Detection;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Workspace;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Workspace;

/// <summary>
/// A workspace store as the context kind speaks to it: the item a writeback PUTs (the gateway's body, under each degrade
/// form), the store's transparent route, the classes a payload shows by itself, and a pack filtered item by item.
/// </summary>
public sealed class WorkspaceTests
{
    private static readonly CatalogEntry Store = new()
    {
        Name = "notes",
        Kind = ConnectorKind.Context,
        ActionType = ActionType.Context,
        Upstream = new Uri("http://store.test/notes"),
        Writeback = new WritebackSettings(),
    };

    private static readonly CatalogEntry ReadOnlyPack = Store with { Name = "wiki", Writeback = null };

    private static readonly DataClassSet Pii = DataClass.Pii.ToSet();

    private static WorkspaceItem Item(string content, DataClassSet classes) => new()
    {
        Name = "plans/q3",
        Content = JsonDocument.Parse(content).RootElement.Clone(),
        DataClasses = classes,
        WrittenBy = new WorkspaceWriter("demo-agent", "ws-demo", "req_1") { Person = "erin@acme.example" },
    };

    [Fact]
    public void WritebackEnvelope_PutsTheItemTheGatewayBuilt()
    {
        var envelope = Store.Type().BuildWritebackEnvelope(Store, Item("""{"owner":"ada"}""", DataClass.Internal.ToSet() | Pii), null, new RedactionCounts());

        Assert.Equal("PUT", envelope.Method);
        Assert.Equal(string.Empty, envelope.RelativePath);
        Assert.Equal(string.Empty, envelope.Query);
        Assert.Equal(
            """{"scope":"notes","name":"plans/q3","content":{"owner":"ada"},"data_classes":["internal","pii"],"written_by":{"agent":"demo-agent","workspace":"ws-demo","request_id":"req_1","person":"erin@acme.example"}}""",
            Encoding.UTF8.GetString(envelope.Body!));
    }

    [Fact]
    public void WritebackEnvelope_ReadOnlyDegrade_IsRefused() =>
        Assert.Throws<DegradeRefusedException>(() => Store.Type().BuildWritebackEnvelope(Store, Item("\"x\"", Pii), new DegradeSpec { Mode = DegradeMode.ReadOnly }, new RedactionCounts()));

    [Theory]
    [InlineData(DegradeMode.Redact)]
    [InlineData(DegradeMode.Mask)]
    public void WritebackEnvelope_RedactDegrade_WritesTheContentRedacted(DegradeMode mode)
    {
        var counts = new RedactionCounts();

        var envelope = Store.Type().BuildWritebackEnvelope(Store, Item("""{"owner":"ada.lovelace@example.com"}""", Pii), new DegradeSpec { Mode = mode }, counts);

        var content = JsonDocument.Parse(envelope.Body!).RootElement.GetProperty("content");
        Assert.Equal("[REDACTED:email]", content.GetProperty("owner").GetString());
        Assert.Equal(1, counts[RedactionKind.Email]);
    }

    [Fact]
    public void WritebackEnvelope_DryRunDegrade_AsksTheStoreNotToCommit() =>
        Assert.Equal("dry_run=true", Store.Type().BuildWritebackEnvelope(Store, Item("\"x\"", Pii), new DegradeSpec { Mode = DegradeMode.DryRun }, new RedactionCounts()).Query);

    [Fact]
    public void WritebackEnvelope_NotAStore_IsAnArgumentError()
    {
        Assert.False(ReadOnlyPack.Type().AcceptsWriteback(ReadOnlyPack));
        Assert.Throws<ConnectorArgumentException>(() => ReadOnlyPack.Type().BuildWritebackEnvelope(ReadOnlyPack, Item("\"x\"", Pii), null, new RedactionCounts()));
        var http = new CatalogEntry { Name = "crm", Kind = ConnectorKind.Http, ActionType = ActionType.Write, Upstream = new Uri("http://crm.test/") };
        Assert.False(http.Type().AcceptsWriteback(http));
        Assert.Throws<ConnectorArgumentException>(() => http.Type().BuildWritebackEnvelope(http, Item("\"x\"", Pii), null, new RedactionCounts()));
    }

    [Fact]
    public void ContextEnvelope_NoScopeInTheArguments_SendsTheConnectorsName() =>
        Assert.Equal("scope=notes&query=q3", UpstreamEnvelopes.Build(Store, JsonDocument.Parse("""{"query":"q3"}""").RootElement, null).Query);

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    public void TransparentRoute_WorkspaceStore_DeclaresNoOperation(string method)
    {
        var tenant = TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = [Store, ReadOnlyPack] }, new string('0', 64));

        Assert.Null(Store.Type().MatchOperation(tenant, Store, method, []));
        Assert.Equal(method != "PUT", ReadOnlyPack.Type().MatchOperation(tenant, ReadOnlyPack, method, []) is not null);
    }

    [Theory]
    [InlineData("\"write to ada.lovelace@example.com\"", true)]
    [InlineData("""{"card":"4111 1111 1111 1111"}""", true)]
    [InlineData("""{"card":4111111111111111}""", true)]
    [InlineData("""{"ada.lovelace@example.com":"owner"}""", true)]
    [InlineData("""{"order":"4111111111111112","note":"ship Tuesday"}""", false)]
    [InlineData("42", false)]
    [InlineData("true", false)]
    public void DataClassDetector_PersonalData_IsPii(string payload, bool pii) =>
        Assert.Equal(pii ? Pii : DataClassSet.None, DataClassDetector.Detect(JsonDocument.Parse(payload).RootElement));

    [Fact]
    public void Filter_KeepsTheItemsClearedAndTheStoresOtherMembers()
    {
        var asked = new List<DataClassSet>();
        const string pack = """{"scope":"notes","items":[{"name":"a","data_classes":["internal"]},{"name":"b","data_classes":["pii"]},{"name":"c"},"plain",{"name":"d","data_classes":["pii"]}],"next":"cursor-2"}""";

        var result = WorkspacePack.Filter(Encoding.UTF8.GetBytes(pack), classes =>
        {
            asked.Add(classes);
            return classes == Pii ? new WorkspaceItemVerdict(false, DecisionKind.Degrade, ["document a flow"]) : new WorkspaceItemVerdict(true, DecisionKind.Allow, []);
        })!;

        Assert.Equal("""{"scope":"notes","items":[{"name":"a","data_classes":["internal"]},{"name":"c"},"plain"],"next":"cursor-2"}""", Encoding.UTF8.GetString(result.Json));
        Assert.Equal(3, result.Returned);
        var withheld = Assert.Single(result.Withheld);
        Assert.Equal((WithheldItems.Policy, Pii, 2, DecisionKind.Degrade), (withheld.Reason, withheld.DataClasses, withheld.Items, withheld.Decision));
        Assert.Equal(["document a flow"], withheld.WhatWouldChange);
        Assert.Equal(2, result.WithheldCount);
        Assert.Equal([DataClass.Internal.ToSet(), Pii, DataClassSet.None], asked);
    }

    [Theory]
    [InlineData("""{"name":"x","data_classes":"pii"}""")]
    [InlineData("""{"name":"x","data_classes":["pii","ultra"]}""")]
    [InlineData("""{"name":"x","data_classes":[3]}""")]
    public void Filter_UnreadableDataClasses_AreWithheldWithoutAskingPolicy(string item)
    {
        var result = WorkspacePack.Filter(Encoding.UTF8.GetBytes("""{"items":[ITEM]}""".Replace("ITEM", item, StringComparison.Ordinal)), _ => throw new InvalidOperationException("asked"))!;

        Assert.Equal("""{"items":[]}""", Encoding.UTF8.GetString(result.Json));
        var withheld = Assert.Single(result.Withheld);
        Assert.Equal(WithheldItems.UnreadableDataClasses, withheld.Reason);
        Assert.Null(withheld.Decision);
    }

    [Theory]
    [InlineData("every item, as text")]
    [InlineData("""["a","b"]""")]
    [InlineData("""{"scope":"notes"}""")]
    [InlineData("""{"items":{"a":1}}""")]
    [InlineData("""{"items":[],"items":[{"name":"hidden","data_classes":["top_secret"]}]}""")]
    [InlineData("""{"items":[{"name":"x","data_classes":["pii"],"data_classes":[]}]}""")]
    [InlineData("""{"items":[{"name":"x","data_classes":["\ud800"]}]}""")]
    public void Filter_NotAPack_IsNull(string body) =>
        Assert.Null(WorkspacePack.Filter(Encoding.UTF8.GetBytes(body), _ => new WorkspaceItemVerdict(true, DecisionKind.Allow, [])));
}
