using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// <c>/v1/evaluate</c> holds a tool's <c>input_schema</c> as <c>/v1/actions/invoke-tool</c> does: an executor that asks
/// it is never told <c>allow</c> for arguments the entry's schema refuses. The example bundle's <c>payments.refund</c>
/// (<c>amount</c> at most 10000, no other members) answers 400 <c>invalid_arguments</c>, recorded under the entry; an
/// entry without a schema is decided as before.
/// </summary>
public sealed class EvaluateInputSchemaTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public EvaluateInputSchemaTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task Evaluate_ArgumentsOutsideTheInputSchema_Returns400InvalidArgumentsRecordedUnderTheEntry()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"payments.refund","args":{"order":"A-1","amount":99999999,"x":1}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
        Assert.Contains("$.amount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(problem.TryGetProperty("decision_token", out _));
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("payments.refund", record.GetProperty("tool").GetString());
        Assert.Contains("invalid_arguments", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_NoArguments_Returns400InvalidArgumentsNamingTheRequiredOnes()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"payments.refund"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
        Assert.Contains("$.amount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"To":"x@gmail.com","body":"hi"}""")]
    [InlineData("""{"to":{"address":"x@gmail.com"},"body":"hi"}""")]
    public async Task Evaluate_MailArgumentsShapedOutsideTheInputSchema_Returns400InvalidArguments(string args)
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"mail.send","args":ARGS}""".Replace("ARGS", args, StringComparison.Ordinal));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
    }

    [Fact]
    public async Task Evaluate_ArgumentsThatFit_AreDecided()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"payments.refund","args":{"order":"A-1","amount":25}}""");

        await DecisionJson.DecisionAsync(response, "require_approval");
    }

    [Fact]
    public async Task Evaluate_EntryWithoutASchema_IsDecidedWhateverItsArguments()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"docs.search","args":{"anything":[1,2,3],"x":{"y":true}}}""");

        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("decision").GetString()));
    }
}
