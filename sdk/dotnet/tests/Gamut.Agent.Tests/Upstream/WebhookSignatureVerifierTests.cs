using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gamut.Agent.Tests.Infrastructure;
using Gamut.Agent.Upstream;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gamut.Agent.Tests.Upstream;

/// <summary>
/// A webhook call signed with the service key as the gateway signs it (<see cref="GatewaySignedRequests"/>), checked by
/// a real Kestrel receiver's <see cref="WebhookSignatureVerifier"/>. Calls the real gateway signed are verified in
/// <see cref="ForwardedRequestTests"/>.
/// </summary>
public sealed class WebhookSignatureVerifierTests : IAsyncLifetime
{
    private static readonly byte[] ServiceKey = Encoding.UTF8.GetBytes("gateway-service-key-for-tests-0123456789");
    private readonly HttpClient _client = new();
    private KestrelUpstream _receiver = null!;
    private string? _lastFailure;
    private string? _lastBody;

    public async Task InitializeAsync()
    {
        var verifier = new WebhookSignatureVerifier(ServiceKey, new InMemoryNonceStore());
        _receiver = await KestrelUpstream.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            var result = await verifier.VerifyAsync(context);
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

    /// <summary>Posts <paramref name="json"/> to the receiver's hook (with <paramref name="query"/>), signed as the gateway signs a webhook call.</summary>
    private async Task<HttpStatusCode> SendAsync(string json, byte[] key, TimeProvider? time = null, string query = "")
    {
        var body = Encoding.UTF8.GetBytes(json);
        var uri = new UriBuilder(_receiver.At("hook")) { Query = query }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        GatewaySignedRequests.Sign(request, key, "acme", "ws-1", GatewayRequestHeaders.GatewayAgent, body, time);
        using var response = await _client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Webhook_SignedCall_VerifiedByReceiver()
    {
        Assert.Equal(HttpStatusCode.OK, await SendAsync("""{"event":"order.created","id":7}""", ServiceKey));
        Assert.Null(_lastFailure);
        Assert.Equal("""{"event":"order.created","id":7}""", _lastBody);

        // A dry_run degrade's call: the query is part of what is signed.
        Assert.Equal(HttpStatusCode.OK, await SendAsync("{}", ServiceKey, query: "dry_run=true"));
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
        var verifier = new WebhookSignatureVerifier(ServiceKey, new InMemoryNonceStore());
        var body = Encoding.UTF8.GetBytes("""{"a":1}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://receiver/hook?x=1");
        GatewaySignedRequests.Sign(request, ServiceKey, "acme", "ws-1", GatewayRequestHeaders.GatewayAgent, body);
        string? Header(string name) => request.Headers.TryGetValues(name, out var v) ? v.Single() : null;

        Assert.Equal("bad_signature", (await verifier.VerifyAsync("POST", "/hook?x=1", Header, Encoding.UTF8.GetBytes("""{"a":2}"""))).Failure);
        Assert.Equal("bad_signature", (await verifier.VerifyAsync("POST", "/hook?x=2", Header, body)).Failure);
        Assert.True((await verifier.VerifyAsync("POST", "/hook?x=1", Header, body)).IsValid);
        Assert.Equal("replayed_nonce", (await verifier.VerifyAsync("POST", "/hook?x=1", Header, body)).Failure);
        Assert.Equal("missing_header", (await verifier.VerifyAsync("POST", "/hook?x=1", _ => null, body)).Failure);

        using var agentSigned = new HttpRequestMessage(HttpMethod.Post, "http://receiver/hook");
        GatewaySignedRequests.Sign(agentSigned, ServiceKey, "acme", "ws-1", "agent-1", body);
        Assert.Equal("wrong_agent", (await verifier.VerifyAsync("POST", "/hook", n => agentSigned.Headers.TryGetValues(n, out var v) ? v.Single() : null, body)).Failure);
    }

    [Fact]
    public async Task WebhookVerifier_MalformedHeaderOrSignature_Refused()
    {
        var verifier = new WebhookSignatureVerifier(ServiceKey, new InMemoryNonceStore());
        var body = Encoding.UTF8.GetBytes("{}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://receiver/hook");
        GatewaySignedRequests.Sign(request, ServiceKey, "acme", "ws-1", GatewayRequestHeaders.GatewayAgent, body);
        Func<string, string?> With(string replaced, string value) => name => name == replaced ? value : request.Headers.TryGetValues(name, out var v) ? v.Single() : null;
        var signature = request.Headers.GetValues(GatewayRequestHeaders.Signature).Single();

        Assert.Equal("malformed_header", (await verifier.VerifyAsync("POST", "/hook", With(GatewayRequestHeaders.Nonce, "short"), body)).Failure);
        Assert.Equal("malformed_header", (await verifier.VerifyAsync("POST", "/hook", With(GatewayRequestHeaders.Timestamp, "-1"), body)).Failure);
        Assert.Equal("bad_signature", (await verifier.VerifyAsync("POST", "/hook", With(GatewayRequestHeaders.Signature, signature.ToUpperInvariant().Replace("V1=", "v1=", StringComparison.Ordinal)), body)).Failure);
        Assert.Equal("bad_signature", (await verifier.VerifyAsync("POST", "/hook", With(GatewayRequestHeaders.Signature, signature[..^2]), body)).Failure);
        Assert.True((await verifier.VerifyAsync("POST", "/hook", With(GatewayRequestHeaders.Signature, signature), body)).IsValid);
    }

    [Fact]
    public async Task Verify_ReplayedAtTheFarEdgeOfTheWindowAfterRetention_IsReplayedNonce()
    {
        var signedAt = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var time = new ManualTimeProvider(signedAt - TimeSpan.FromSeconds(300));
        // Retention configured at exactly twice the skew (valid before the margin): the margin is applied all the same.
        var options = new WebhookVerifierOptions { NonceRetention = TimeSpan.FromSeconds(600) };
        var verifier = new WebhookSignatureVerifier(ServiceKey, new InMemoryNonceStore(time), options, time);
        var body = Encoding.UTF8.GetBytes("{}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://receiver/hook");
        GatewaySignedRequests.Sign(request, ServiceKey, "acme", "ws-1", GatewayRequestHeaders.GatewayAgent, body, new ManualTimeProvider(signedAt));
        string? Header(string name) => request.Headers.TryGetValues(name, out var v) ? v.Single() : null;

        // First seen 300 s before its timestamp (the earliest the window takes), replayed 600 s later (the last instant it takes).
        Assert.True((await verifier.VerifyAsync("POST", "/hook", Header, body)).IsValid);
        time.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal("replayed_nonce", (await verifier.VerifyAsync("POST", "/hook", Header, body)).Failure);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal("stale_timestamp", (await verifier.VerifyAsync("POST", "/hook", Header, body)).Failure);
    }

    [Fact]
    public void Constructor_RetentionShorterThanTwiceTheSkew_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WebhookSignatureVerifier(ServiceKey, new InMemoryNonceStore(), new WebhookVerifierOptions { NonceRetention = TimeSpan.FromSeconds(599) }));
        Assert.Throws<ArgumentException>(() => new WebhookSignatureVerifier([], new InMemoryNonceStore()));
    }
}
