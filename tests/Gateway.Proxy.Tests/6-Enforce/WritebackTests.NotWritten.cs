using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>What an agent is never told was written: an item the store was told not to commit, or one under a name that reads as another's.</summary>
public sealed partial class WritebackTests
{
    [Fact]
    public async Task Writeback_DegradedToDryRun_AnswersNoWrittenAndTellsTheStoreNotToCommit()
    {
        var name = Unique("draft");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", $$"""{"scope":"drafts","name":"{{name}}","content":"first draft"}""");

        var json = await DecisionJson.DecisionAsync(response, "degrade");
        Assert.Equal("dry_run", json.GetProperty("explanation").GetProperty("degrade_mode").GetString());
        Assert.False(json.TryGetProperty("written", out _));
        var dryRun = json.GetProperty("dry_run");
        Assert.Equal("drafts", dryRun.GetProperty("scope").GetString());
        Assert.Equal(name, dryRun.GetProperty("name").GetString());
        Assert.Equal(["internal"], Classes(dryRun));
        var put = Assert.Single(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
        Assert.Equal("true", put.Headers["X-Gamut-Dry-Run"]);
    }

    [Theory]
    [InlineData("""invoice\u202Etxt.exe""")]
    [InlineData("""plan\u200B""")]
    [InlineData("""\u2066plan\u2069""")]
    [InlineData("""\uFEFFplan""")]
    [InlineData("""plan\u200F""")]
    [InlineData("""plan\uDB40\uDC41""")]
    public async Task Writeback_NameWithBidiOrZeroWidthCharacters_Is400AndNothingIsWritten(string name)
    {
        var before = _fixture.Store.Writes.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", $$"""{"scope":"workspace","name":"{{name}}","content":"x"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains("'name'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _fixture.Store.Writes.Count);
    }
}
