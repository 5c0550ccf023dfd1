using System.Text;
using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The Authenticate stage on its own: constructed with a request and its feature, it adds the record the walk goes on with
/// (<see cref="AuthenticatedRequest"/>) or the refusal Respond answers with (<see cref="AuthenticationChallenge"/>, naming
/// the proven agent it is recorded under when there is one), and it answers, records and writes nothing itself.
/// </summary>
public sealed class AuthenticateStageTests : IDisposable
{
    private const string Secret = "stage-test-secret-0123456789abcdefghij";
    private const string Target = "/v1/tools/echo/invoke";
    private readonly ServiceProvider _services = Services();
    private readonly RequestSigner _signer = RequestSigner.FromSecret(Secret, DemoBundle.Tenant, DemoBundle.Workspace, DemoBundle.Agent);
    private bool _walkedOn;

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task InvokeAsync_Unsigned_AddsItsChallengeAndStops()
    {
        var context = Request("{}", sign: false);

        await Stage().InvokeAsync(context);

        var feature = context.GatewayRequest();
        var challenge = feature.Get<AuthenticationChallenge>();
        Assert.Equal((StatusCodes.Status401Unauthorized, ProblemCodes.MissingHeader), (challenge.Refusal.Status, challenge.Refusal.Code));
        Assert.Empty(challenge.WwwAuthenticate);
        Assert.Null(challenge.RecordedUnder);
        Assert.Null(feature.Find<AuthenticatedRequest>());
        Assert.True(feature.Signed);
        Assert.False(_walkedOn);
        Assert.False(context.Response.HasStarted);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
    }

    [Fact]
    public async Task InvokeAsync_Signed_AddsTheAuthenticatedRequestAndWalksOn()
    {
        var context = Request("""{"hello":1}""", sign: true);

        await Stage().InvokeAsync(context);

        var feature = context.GatewayRequest();
        var authenticated = feature.Get<AuthenticatedRequest>();
        Assert.Equal((DemoBundle.Tenant, DemoBundle.Workspace, DemoBundle.Agent), (authenticated.Identity.Tenant, authenticated.Identity.Workspace, authenticated.Identity.Agent));
        Assert.Equal("""{"hello":1}""", Encoding.UTF8.GetString(authenticated.Body.Span));
        Assert.Null(feature.Find<AuthenticationChallenge>());
        Assert.True(_walkedOn);
    }

    [Fact]
    public async Task InvokeAsync_ForeignRun_IsRefusedAndNamesTheAgentToRecordItUnder()
    {
        var context = Request("{}", sign: true, run: RunCalls.Unknown());

        await Stage().InvokeAsync(context);

        var challenge = context.GatewayRequest().Get<AuthenticationChallenge>();
        Assert.Equal((StatusCodes.Status403Forbidden, ProblemCodes.RunForeign), (challenge.Refusal.Status, challenge.Refusal.Code));
        Assert.Equal(DemoBundle.Agent, challenge.RecordedUnder?.Agent);
        Assert.Null(challenge.RecordedUnder!.Run);
        Assert.False(_walkedOn);
        Assert.False(context.Response.HasStarted);
    }

    private AuthenticateStage Stage() => new(_ =>
    {
        _walkedOn = true;
        return Task.CompletedTask;
    }, _services.GetRequiredService<AgentAuthenticator>());

    private DefaultHttpContext Request(string body, bool sign, string? run = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Features.Set(new GatewayRequestFeature("req-stage"));
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = Target;
        context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = Target;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = bytes.Length;
        context.Request.Body = new MemoryStream(bytes);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri("http://gateway" + Target));
        if (run is not null)
        {
            message.Headers.TryAddWithoutValidation(SignatureHeaders.Run, run);
        }

        if (sign)
        {
            _signer.Sign(message, bytes);
        }

        foreach (var (name, values) in message.Headers)
        {
            context.Request.Headers[name] = values.ToArray();
        }

        return context;
    }

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection().AddOneAgentAuthentication(Secret);
        services.AddOptions<OversightOptions>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<RunAuthentication>();
        return services.BuildServiceProvider();
    }
}
