using System.Text;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// The envelope routes' describers, each taken as registered under its kind and called directly with a request's records:
/// the facts each states on the action it describes are what the later stages act on in place of the route's kind.
/// </summary>
public sealed class RouteKindDescriberTests(GovernedGatewayFixture fixture) : IClassFixture<GovernedGatewayFixture>
{
    private static readonly AgentIdentity Agent = new(new AuthenticatedCaller("demo", "ws-demo", DemoBundle.Agent), "nonce-nonce-nonce-1", 0);

    [Fact]
    public async Task Evaluate_Action_IsDecideOnlyAndAsksNothingOfItsEntry()
    {
        var (action, refusal) = await DescribeAsync("Evaluate", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");

        Assert.Null(refusal);
        Assert.True(action!.DecideOnly);
        Assert.Null(action.EntryMismatch);
        Assert.False(action.PassesBodyThrough);
    }

    [Fact]
    public async Task Evaluate_ArgumentsOutsideItsEntrysInputSchema_IsRefusedInvalidArgumentsUnderTheEntry()
    {
        var (action, refusal) = await DescribeAsync("Evaluate", """{"tool":"crm.read_contact","args":{"contact_id":"c-1"}}""");

        Assert.Null(action);
        Assert.Equal((400, "invalid_arguments", "crm.read_contact"), (refusal!.Status, refusal.Code, refusal.AuditTool));
    }

    [Fact]
    public async Task Model_ToolEntry_IsAMismatchAndItsRequestTheModelRequest()
    {
        var (action, _) = await DescribeAsync("Model", """{"connector":"openai","request":{"model":"gpt-4o","messages":[]}}""");

        Assert.False(action!.DecideOnly);
        Assert.True(action.CarriesModelRequest);
        Assert.Equal("gpt-4o", action.ModelRequest.GetProperty("model").GetString());
        Assert.Null(action.EntryMismatch!(Entry(action, "openai")));
        Assert.Contains("is not a model connector", action.EntryMismatch(Entry(action, "crm.read_contact")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_Action_AsksAnInvocableEntryAndCarriesNoModelRequest()
    {
        var (action, _) = await DescribeAsync("InvokeTool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");

        Assert.False(action!.CarriesModelRequest);
        Assert.False(action.WritesItem);
        Assert.Same(EntryRequirements.Invocable, action.EntryMismatch);
    }

    [Fact]
    public async Task Writeback_ToAConnectorThatIsNoWorkspaceStore_IsRefusedAndRecordedUnderIt()
    {
        var (action, refusal) = await DescribeAsync("Writeback", """{"scope":"crm.read_contact","name":"note","content":"hello"}""");

        Assert.Null(action);
        Assert.Equal("operation_not_mapped", refusal!.Code);
        Assert.Equal("crm.read_contact", refusal.AuditTool);
    }

    private async Task<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(string kind, string json)
    {
        var describer = fixture.Gateway.Host.Services.GetRequiredKeyedService<IRouteDescriber>(kind);
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        var feature = new GatewayRequestFeature("req-1");
        context.Features.Set(feature);
        var authenticated = new AuthenticatedRequest(Agent, Encoding.UTF8.GetBytes(json));
        feature.Add(authenticated);
        return await describer.DescribeAsync(context, feature, authenticated);
    }

    private static CatalogEntry Entry(DescribedAction action, string name) =>
        action.Tenant.TryGetCatalogEntry(name, out var entry) && entry is not null ? entry : throw new InvalidOperationException(name);
}
