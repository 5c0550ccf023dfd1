using System.Net;
using System.Text.Json;
using TestServer = Gateway.Testing.KestrelUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The Authenticate stage as the contract other routes rely on: an agent route (<see cref="AgentRouteMetadata"/>) sees
/// the agent's claims (<c>HttpContext.User</c>) and the signed body, an endpoint that is not one is never authenticated,
/// and a route's declared refusal dialect holds for 401s too. Runs the real stage on Kestrel with the one-agent directory
/// below (the policy bundle is not needed here).
/// </summary>
public sealed class AgentSignatureSchemeTests : IAsyncLifetime
{
    private const string Secret = "scheme-test-secret-0123456789abcdefghij";
    private TestServer _app = null!;
    private HttpClient _http = null!;
    private AgentClient _agent = null!;

    public async Task InitializeAsync()
    {
        _app = await TestServer.StartAsync(MapRoutes, static builder =>
        {
            builder.Services.AddOneAgentAuthentication(Secret);
            // Respond records the refusals of a proven agent through Record's writer (none is made here).
            builder.Services.AddSingleton(static sp => new Gateway.Proxy.Record.AuditRecorder(
                new Gateway.Audit.AuditJournal(new Gateway.Audit.StoreAuditStore(sp.GetRequiredService<Gateway.Store.IStateStore>()), [], TimeProvider.System,
                    new Gateway.Audit.AuditMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
                    Microsoft.Extensions.Options.Options.Create(new Gateway.Audit.Options.AuditOptions()), Microsoft.Extensions.Options.Options.Create(new Gateway.Audit.Options.EvidenceOptions()),
                    Gateway.Policy.Evidence.ReceiptKeyRing.Generate(DateTimeOffset.UtcNow), Microsoft.Extensions.Logging.Abstractions.NullLogger<Gateway.Audit.AuditJournal>.Instance),
                sp.GetRequiredService<GatewayMetrics>()));
        });
        _http = new HttpClient { BaseAddress = _app.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        _agent = new AgentClient(_http, Secret);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Authenticate_SignedRequest_SetsTheAgentClaimsAndTheSignedBody()
    {
        using var response = await _agent.SendAsync(_agent.Create(HttpMethod.Post, "/who", """{"hello":1}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(DemoBundle.Agent, json.GetProperty("name").GetString());
        Assert.Equal(DemoBundle.Tenant, json.GetProperty("tenant").GetString());
        Assert.Equal(DemoBundle.Workspace, json.GetProperty("workspace").GetString());
        Assert.Equal(DemoBundle.Agent, json.GetProperty("agent").GetString());
        Assert.Equal("""{"hello":1}""", json.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Challenge_Unsigned_IsAProblemWithoutAChallengeHeaderOrRedirect()
    {
        using var response = await _http.PostAsync("/who", new StringContent("{}"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Authenticate_RouteNotAnAgentRoute_IsNeverAuthenticated()
    {
        using var response = await _agent.SendAsync(_agent.Create(HttpMethod.Post, "/open", "{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(json.GetProperty("authenticated").GetBoolean());
        Assert.False(json.GetProperty("agent").GetBoolean());
    }

    private static void MapRoutes(WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseRouting();
        app.MapPost("/who", static (HttpContext context) => Results.Json(new Dictionary<string, string?>
        {
            ["name"] = context.User.Identity?.Name,
            ["tenant"] = context.User.FindFirst(AgentSignatureDefaults.TenantClaim)?.Value,
            ["workspace"] = context.User.FindFirst(AgentSignatureDefaults.WorkspaceClaim)?.Value,
            ["agent"] = context.Features.GetRequiredFeature<GatewayRequestFeature>().Find<AuthenticatedRequest>()?.Identity.Agent,
            ["body"] = System.Text.Encoding.UTF8.GetString(context.Features.GetRequiredFeature<GatewayRequestFeature>().Find<AuthenticatedRequest>()?.Body.ToArray() ?? []),
        })).RequireAgentSignature();
        app.MapPost("/open", static (HttpContext context) => Results.Json(new Dictionary<string, bool>
        {
            ["authenticated"] = context.User.Identity?.IsAuthenticated ?? false,
            ["agent"] = context.Features.GetRequiredFeature<GatewayRequestFeature>().Find<AuthenticatedRequest>() is not null,
        }));
    }
}
