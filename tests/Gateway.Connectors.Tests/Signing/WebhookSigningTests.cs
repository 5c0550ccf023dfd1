using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Signing;
using Gateway.Policy;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gateway.Connectors.Tests.Signing;

/// <summary>A webhook envelope signed by the gateway's service key, checked by a real receiver's <see cref="WebhookSignatureVerifier"/>.</summary>
public sealed class WebhookSigningTests : IAsyncLifetime
{
    private static readonly byte[] ServiceKey = Encoding.UTF8.GetBytes("gateway-service-key-for-tests-0123456789");
    private readonly HttpClient _client = new();
    private KestrelUpstream _receiver = null!;
    private string? _lastFailure;
    private string? _lastBody;

    public async Task InitializeAsync()
    {
        var verifier = new WebhookSignatureVerifier(ServiceKey, new InMemoryStateStore());
        _receiver = await KestrelUpstream.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            var result = await verifier.VerifyAsync(context.Request);
            _lastFailure = result.Failure;
            _lastBody = await new StreamReader(context.Request.Body).ReadToEndAsync();
            return result.IsValid ? HttpResults.Json(new { accepted = true }) : HttpResults.StatusCode(401);
        }));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _receiver.DisposeAsync();
    }

    private static readonly CatalogEntry Hook = new() { Name = "hook", Kind = ConnectorKind.Webhook, ActionType = ActionType.Write, Upstream = new Uri("http://receiver.test/hook") };

    /// <summary>Signs the webhook envelope of <paramref name="argsJson"/> as the gateway does and posts it to the receiver.</summary>
    private async Task<HttpStatusCode> SendAsync(string argsJson, byte[] key, TimeProvider? time = null, DegradeMode? degrade = null)
    {
        var envelope = UpstreamEnvelopes.Build(Hook, JsonDocument.Parse(argsJson).RootElement, degrade is { } mode ? new DegradeSpec { Mode = mode } : null);
        Assert.True(envelope.SignedByGateway);
        var uri = new UriBuilder(_receiver.At("hook")) { Query = envelope.Query }.Uri;
        using var request = new HttpRequestMessage(new HttpMethod(envelope.Method), uri) { Content = new ByteArrayContent(envelope.Body!) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        new RequestSigner(key, "acme", "ws-1", SignatureHeaders.GatewayAgent, time).Sign(request, envelope.Body!);
        using var response = await _client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Webhook_SignedEnvelope_VerifiedByReceiver()
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync("""{"event":"order.created","id":7}""", ServiceKey));
        Assert.Null(_lastFailure);
        Assert.Equal("""{"event":"order.created","id":7}""", _lastBody);

        Assert.Equal(HttpStatusCode.OK, await SendAsync("{}", ServiceKey, degrade: DegradeMode.DryRun));
        Assert.Null(_lastFailure);
    }

    [Fact]
    public async Task Webhook_WrongKeyOrStaleClock_Refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("{}", Encoding.UTF8.GetBytes("another-key")));
        Assert.Equal("bad_signature", _lastFailure);

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("{}", ServiceKey, new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-6))));
        Assert.Equal("stale_timestamp", _lastFailure);
    }

    [Fact]
    public async Task WebhookVerifier_ReplayedNonceAndTamperedBody_Refused()
    {
        var verifier = new WebhookSignatureVerifier(ServiceKey, new InMemoryStateStore());
        var body = Encoding.UTF8.GetBytes("""{"a":1}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://receiver/hook?x=1");
        new RequestSigner(ServiceKey, "acme", "ws-1", SignatureHeaders.GatewayAgent).Sign(request, body);
        string? Header(string name) => request.Headers.TryGetValues(name, out var v) ? v.Single() : null;

        Assert.Equal("bad_signature", (await verifier.VerifyAsync("POST", "/hook?x=1", Header, Encoding.UTF8.GetBytes("""{"a":2}"""))).Failure);
        Assert.Equal("bad_signature", (await verifier.VerifyAsync("POST", "/hook?x=2", Header, body)).Failure);
        Assert.True((await verifier.VerifyAsync("POST", "/hook?x=1", Header, body)).IsValid);
        Assert.Equal("replayed_nonce", (await verifier.VerifyAsync("POST", "/hook?x=1", Header, body)).Failure);
        Assert.Equal("missing_header", (await verifier.VerifyAsync("POST", "/hook?x=1", _ => null, body)).Failure);

        using var agentSigned = new HttpRequestMessage(HttpMethod.Post, "http://receiver/hook");
        new RequestSigner(ServiceKey, "acme", "ws-1", "agent-1").Sign(agentSigned, body);
        Assert.Equal("wrong_agent", (await verifier.VerifyAsync("POST", "/hook", n => agentSigned.Headers.TryGetValues(n, out var v) ? v.Single() : null, body)).Failure);
    }
}
