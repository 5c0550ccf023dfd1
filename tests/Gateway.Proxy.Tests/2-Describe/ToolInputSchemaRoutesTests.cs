using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A tool's <c>input_schema</c> holds on every route that invokes it, as on <c>/mcp</c>: the example bundle's
/// <c>payments.refund</c> (<c>amount</c> at most 10000, no other members) refuses arguments that do not fit with 400
/// <c>invalid_arguments</c>, recorded, before anything is decided or forwarded.
/// </summary>
public sealed class ToolInputSchemaRoutesTests : IClassFixture<GovernedGatewayFixture>
{
    private const string OutOfBounds = """{"order":"A-1","amount":99999999,"x":1}""";

    private readonly GovernedGateway _gw;

    public ToolInputSchemaRoutesTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_ArgumentsOutsideTheInputSchema_Returns400InvalidArgumentsAndForwardsNothing()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund","args":ARGS}""".Replace("ARGS", OutOfBounds, StringComparison.Ordinal));

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task InvokeTool_NoArguments_Returns400InvalidArgumentsNamingTheRequiredOnes()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
        Assert.Contains("$.amount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_ArgumentsThatFit_AreDecidedAndHeldForApproval()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund","args":{"order":"A-1","amount":25}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
    }

    [Fact]
    public async Task Providers_BodyOutsideTheInputSchema_Returns400InvalidArgumentsAndForwardsNothing()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/payments.refund/refunds", OutOfBounds));

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task Providers_AmountInTheQueryOutsideTheInputSchema_Returns400InvalidArguments()
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/payments.refund/refunds?amount=99999999", """{"order":"A-1"}"""));

        await AssertRefusedAsync(response);
    }

    [Theory]
    [InlineData("/providers/payments.refund/refunds", """{"order":"A-1","amount":25}""")]
    [InlineData("/providers/payments.refund/refunds?amount=25", """{"order":"A-1"}""")]
    public async Task Providers_ArgumentsThatFit_AreDecidedAndHeldForApproval(string path, string body)
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, path, body));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_arguments");
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("$.amount", detail, StringComparison.Ordinal);
        Assert.Empty(_gw.Upstream.To("/payments"));

        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("payments.refund", record.GetProperty("tool").GetString());
        Assert.Contains("invalid_arguments", record.GetProperty("decision").GetString(), StringComparison.Ordinal);
    }
}
