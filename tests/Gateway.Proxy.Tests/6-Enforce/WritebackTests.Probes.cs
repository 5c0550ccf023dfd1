using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>What a reader cannot learn of items it may not receive: not from a store's failed answer, a name, or a count.</summary>
public sealed partial class WritebackTests
{
    [Fact]
    public async Task Context_StoreAnswersNon2xxWithItems_ReturnsNoneOfThem()
    {
        using var read = await _fixture.Reader.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{WorkspaceStore.NotFoundPack}}"}""");

        var text = await read.Content.ReadAsStringAsync();
        Assert.DoesNotContain(WorkspaceStore.NotFoundContent, text, StringComparison.Ordinal);
        var problem = await ProblemAssert.IsProblemAsync(read, HttpStatusCode.BadGateway, "upstream_unavailable");
        Assert.Contains("answered 404", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var outcome = (await _gw.AuditRecordsAsync(RequestId(read))).Last();
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Writeback_EmailInTheName_IsLabelledPiiAndBlockedByAPiiWriteRule()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/writeback",
            """{"scope":"archive","name":"ada.lovelace@example.com 4111111111111111","content":"launch lead"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Contains(problem.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("rule").GetString() == "no-pii-in-archive");
        Assert.False(problem.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task Context_WithheldCount_DoesNotDependOnTheWithheldItemsContent()
    {
        var topic = Unique("merger");
        _fixture.Store.Seed("workspace", $$"""{"name":"{{topic}}-terms","content":"bid {{topic}}-price-410","data_classes":["internal","restricted"]}""");

        using var matching = await _gw.Agent.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{topic}}-price-410"}""");
        using var missing = await _gw.Agent.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{topic}}-price-999"}""");

        var matched = await DecisionJson.DecisionAsync(matching, "allow");
        var missed = await DecisionJson.DecisionAsync(missing, "allow");
        Assert.Empty(matched.GetProperty("result").GetProperty("items").EnumerateArray());
        Assert.Equal(DecisionJson.Has(missed, "withheld"), DecisionJson.Has(matched, "withheld"));
        Assert.False(DecisionJson.Has(matched, "withheld"));
        // The operator's record still counts the item withheld.
        var outcome = (await _gw.AuditRecordsAsync(RequestId(matching))).Last();
        Assert.Equal(1, outcome.GetProperty("redactions").GetProperty("withheld_item").GetInt32());
    }
}
