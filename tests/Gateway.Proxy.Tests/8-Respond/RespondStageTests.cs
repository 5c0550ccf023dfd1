using Gateway.Oversight;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// The Respond stage on its own: it wraps the walk and answers from the records it left; a <see cref="Refusal"/> is written
/// in the request's dialect and recorded when it names a tool.
/// </summary>
public sealed class RespondStageTests
{
    private const string TestKind = "StageTestAnswered";

    [Fact]
    public async Task InvokeAsync_Evaluation_AnswersTheDecision200()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(Evaluate, """{"tool":"read"}""", path: "/v1/evaluate");
        var walk = harness.Walk(GatewayStage.Describe, GatewayStage.Forward, new NextProbe().Next);

        await harness.Create<RespondStage>(walk).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        var answer = ResponseJson(context);
        Assert.Equal("allow", answer.GetProperty("decision").GetString());
        Assert.False(answer.GetProperty("invoked").GetBoolean());
        var record = Assert.Single(await harness.AuditAsync());
        Assert.Contains(context.GatewayRequest().RequestId, record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_BlockedDecision_Refuses403WithTheDecision()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, """{"tool":"frozen"}""");
        var walk = harness.Walk(GatewayStage.Describe, GatewayStage.Forward, new NextProbe().Next);

        await harness.Create<RespondStage>(walk).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        Assert.Equal(RefusalResponse.ContentType, context.Response.ContentType);
        Assert.Equal("block", ResponseJson(context).GetProperty("decision").GetString());
        Assert.Single(await harness.AuditAsync());
    }

    [Fact]
    public async Task InvokeAsync_RefusalNamingATool_WritesProblemJsonAndRecordsIt()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        var next = Refuse(new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped, "Not an operation.") { AuditTool = "read" });

        await harness.Create<RespondStage>(next).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        Assert.Equal(RefusalResponse.ContentType, context.Response.ContentType);
        var problem = ResponseJson(context);
        Assert.Equal(ProblemCodes.OperationNotMapped, problem.GetProperty("code").GetString());
        Assert.Equal(context.GatewayRequest().RequestId, problem.GetProperty("request_id").GetString());
        var record = Assert.Single(await harness.AuditAsync());
        Assert.Equal("read", record.GetProperty("tool").GetString());
        Assert.Contains(ProblemCodes.OperationNotMapped, record.GetProperty("decision").GetString(), StringComparison.Ordinal);
        Assert.Contains(context.GatewayRequest().RequestId, record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RefusalNamingNoTool_WritesItAndRecordsNothing()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, "{");
        var next = Refuse(new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "Not JSON."));

        await harness.Create<RespondStage>(next).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.Equal(ProblemCodes.MalformedBody, ResponseJson(context).GetProperty("code").GetString());
        Assert.Empty(await harness.AuditAsync());
    }

    [Fact]
    public async Task InvokeAsync_RefusalOnAJsonRpcRequest_AnswersAJsonRpcErrorToItsId()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        var feature = context.GatewayRequest();
        feature.Dialect = RefusalDialect.JsonRpc;
        feature.JsonRpcId = "7";
        var next = Refuse(new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped, "Not an operation.") { AuditTool = "read" });

        await harness.Create<RespondStage>(next).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        var answer = ResponseJson(context);
        Assert.Equal("2.0", answer.GetProperty("jsonrpc").GetString());
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        Assert.Equal(ProblemCodes.OperationNotMapped, answer.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Single(await harness.AuditAsync());
    }

    [Fact]
    public async Task InvokeAsync_RefusalOnAnOpenAIRoute_AnswersAnOpenAIErrorObject()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        context.GatewayRequest().Dialect = RefusalDialect.OpenAI;
        var next = Refuse(new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "Not a chat completion."));

        await harness.Create<RespondStage>(next).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.Equal(ProblemCodes.MalformedBody, ResponseJson(context).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task InvokeAsync_JournalFailsAtRecord_Refuses503AuditUnavailable()
    {
        await using var harness = await StartAsync(replace: JournalFails);
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        var forwarded = new NextProbe();
        var walk = harness.Walk(GatewayStage.Describe, GatewayStage.Forward, forwarded.Next);

        await harness.Create<RespondStage>(walk).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal(ProblemCodes.AuditUnavailable, ResponseJson(context).GetProperty("code").GetString());
        Assert.False(forwarded.Called);
    }

    [Fact]
    public async Task InvokeAsync_RouteKindWithItsResponder_AnswersThroughIt()
    {
        var responder = new TestResponder(refusal: null);
        await using var harness = await StartAsync(replace: services => services.AddKeyedSingleton<IRouteResponder>(TestKind, responder));
        var context = harness.Request(TestKind, "{}");

        await harness.Create<RespondStage>(new NextProbe().Next).InvokeAsync(context);

        Assert.Same(context.GatewayRequest(), Assert.Single(responder.Answered));
        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
        Assert.Empty(await harness.AuditAsync());
    }

    [Fact]
    public async Task InvokeAsync_ResponderAddsARefusal_RespondWritesAndRecordsIt()
    {
        var responder = new TestResponder(new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The destination failed.") { AuditTool = "read" });
        await using var harness = await StartAsync(replace: services => services.AddKeyedSingleton<IRouteResponder>(TestKind, responder));
        var context = harness.Request(TestKind, "{}");

        await harness.Create<RespondStage>(new NextProbe().Next).InvokeAsync(context);

        Assert.Equal(StatusCodes.Status502BadGateway, context.Response.StatusCode);
        Assert.Equal(ProblemCodes.UpstreamUnavailable, ResponseJson(context).GetProperty("code").GetString());
        Assert.Equal("read", Assert.Single(await harness.AuditAsync()).GetProperty("tool").GetString());
    }

    /// <summary>A walk in which a stage refused with <paramref name="refusal"/>.</summary>
    private static RequestDelegate Refuse(Refusal refusal) => context =>
    {
        context.GatewayRequest().Add(refusal);
        return Task.CompletedTask;
    };

    /// <summary>A route kind's responder: answers 202, or adds <paramref name="refusal"/> for Respond to write.</summary>
    private sealed class TestResponder(Refusal? refusal) : IRouteResponder
    {
        public List<GatewayRequestFeature> Answered { get; } = [];

        public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature)
        {
            Answered.Add(feature);
            if (refusal is not null)
            {
                feature.Add(refusal);
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return ValueTask.CompletedTask;
        }
    }
}
