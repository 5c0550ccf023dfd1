using System.Net.Sockets;
using System.Text;
using Gamut.Agent.Tests.Infrastructure;
using Gamut.Agent.Upstream;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gamut.Agent.Tests.Upstream;

/// <summary>
/// <see cref="GatewayDecisionTokenVerifier"/> when the gateway cannot give a usable answer: a real Kestrel server stands
/// in for a failing gateway (5xx, a body that is not the documented answer, an answer about another token, no answer in
/// time) and a port bound but never listening for an unreachable one. Each is unavailable (never live) and asked again
/// next time. The answers of the real gateway are in <see cref="GatewayDecisionTokenVerifierTests"/>.
/// </summary>
public sealed class GatewayDecisionTokenVerifierFailureTests : IAsyncLifetime
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");
    private static readonly string Digest = new('a', 64);

    private readonly HttpClient _http = new();
    private KestrelUpstream _gateway = null!;
    private int _calls;
    private Func<HttpContext, Task> _answer = _ => Task.CompletedTask;

    public async Task InitializeAsync() =>
        _gateway = await KestrelUpstream.StartAsync(app => app.Run(context =>
        {
            Interlocked.Increment(ref _calls);
            return _answer(context);
        }));

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    [Theory]
    [InlineData(500, "application/json", """{"status":"live"}""", "gateway_error")]
    [InlineData(503, "application/problem+json", """{"code":"store_unavailable"}""", "gateway_error")]
    [InlineData(401, "application/problem+json", """{"code":"admin_token_missing"}""", "credential_refused")]
    [InlineData(403, "application/problem+json", """{"code":"tenant_forbidden"}""", "credential_refused")]
    [InlineData(404, "application/json", """{"status":"live"}""", "unexpected_answer")]
    [InlineData(200, "text/plain", "live", "unexpected_answer")]
    [InlineData(200, "application/json", "not json", "unexpected_answer")]
    [InlineData(200, "application/json", """{"status":"alive","token_id":"{jti}"}""", "unexpected_answer")]
    [InlineData(200, "application/json", """{"status":"live","token_id":"another-token"}""", "unexpected_answer")]
    [InlineData(200, "application/json", """{"status":"live"}""", "unexpected_answer")]
    [InlineData(200, "application/json", """{"status":"revoked","token_id":"{jti}"}""", "unexpected_answer")]
    [InlineData(200, "application/json", """{"status":"revoked","reason":"Agent\nrevoked","token_id":"{jti}"}""", "unexpected_answer")]
    public async Task VerifyAsync_UnusableAnswer_IsUnavailableAndNotCached(int status, string contentType, string body, string reason)
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        var jti = ReadJti(token);
        _answer = async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body.Replace("{jti}", jti, StringComparison.Ordinal));
        };
        var verifier = Verifier(time);

        var first = await verifier.VerifyAsync(token, "demo", "t");
        var second = await verifier.VerifyAsync(token, "demo", "t");

        Assert.Equal((DecisionTokenStatus.Unavailable, reason), (first.Status, first.Reason));
        Assert.False(first.IsLive);
        Assert.Equal(first, second);
        Assert.Equal(2, _calls);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task VerifyAsync_GatewayRedirectsToAServerAnsweringLive_IsUnavailable(bool consume, bool clientFollowsRedirects)
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        var live = $$"""{"status":"live","token_id":"{{ReadJti(token)}}","consumed":true}""";
        var elsewhereCalls = 0;
        await using var elsewhere = await KestrelUpstream.StartAsync(app => app.Run(context =>
        {
            Interlocked.Increment(ref elsewhereCalls);
            return Results.Text(live, "application/json").ExecuteAsync(context);
        }));
        _answer = context => Results.Redirect(elsewhere.At(GatewayDecisionTokenVerifier.VerifyPath).AbsoluteUri, permanent: false, preserveMethod: true).ExecuteAsync(context);
        using var http = clientFollowsRedirects ? new HttpClient() : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        var verifier = new GatewayDecisionTokenVerifier(http, Key, Options(_gateway.BaseUri), time);

        var result = consume ? await verifier.ConsumeAsync(token, "demo", "t") : await verifier.VerifyAsync(token, "demo", "t");

        Assert.Equal((DecisionTokenStatus.Unavailable, "unexpected_answer", null), (result.Status, result.Reason, result.Claims));
        Assert.False(result.IsLive);
        Assert.Equal(1, _calls);
        Assert.Equal(clientFollowsRedirects ? 1 : 0, elsewhereCalls); // a client that follows redirects re-posts; its answer is never trusted
    }

    [Fact]
    public async Task VerifyAsync_DocumentedAnswers_AreReadAndTheRevokedOneIsCachedUntilExpiry()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        var answer = """{"status":"revoked","reason":"policy_changed","token_id":"{jti}"}""".Replace("{jti}", ReadJti(token), StringComparison.Ordinal);
        _answer = context => Results.Text(answer, "application/json").ExecuteAsync(context);
        var verifier = Verifier(time, TimeSpan.Zero);

        var revoked = await verifier.VerifyAsync(token, "demo", "t");
        time.Advance(TimeSpan.FromSeconds(299));
        var cached = await verifier.VerifyAsync(token, "demo", "t");

        Assert.Equal((DecisionTokenStatus.Revoked, "policy_changed", "a"), (revoked.Status, revoked.Reason, revoked.Claims!.Agent));
        Assert.Equal(revoked, cached);
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task VerifyAsync_NoAnswerWithinTheTimeout_IsUnavailable()
    {
        var token = DecisionTokens.Issue(Key, TimeProvider.System, "demo", "a", "t", Digest, "allow");
        _answer = context => Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        var verifier = new GatewayDecisionTokenVerifier(_http, Key, Options(_gateway.BaseUri) with { Timeout = TimeSpan.FromMilliseconds(200) });

        var result = await verifier.VerifyAsync(token, "demo", "t");

        Assert.Equal((DecisionTokenStatus.Unavailable, "timeout"), (result.Status, result.Reason));
    }

    [Fact]
    public async Task VerifyAsync_CallerCancels_Throws()
    {
        var token = DecisionTokens.Issue(Key, TimeProvider.System, "demo", "a", "t", Digest, "allow");
        _answer = context => Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Verifier(TimeProvider.System).VerifyAsync(token, "demo", "t", cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task VerifyAsync_GatewayUnreachable_IsUnavailable()
    {
        var token = DecisionTokens.Issue(Key, TimeProvider.System, "demo", "a", "t", Digest, "allow");
        using var closed = BoundNotListening();
        var verifier = new GatewayDecisionTokenVerifier(_http, Key, Options(new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)closed.LocalEndPoint!).Port}")));

        var result = await verifier.VerifyAsync(token, "demo", "t");

        Assert.Equal((DecisionTokenStatus.Unavailable, "gateway_unreachable", null), (result.Status, result.Reason, result.Claims));
    }

    [Fact]
    public async Task VerifyAsync_TokenFailingOffline_IsAnsweredWithoutACall()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var token = DecisionTokens.Issue(Key, time, "demo", "a", "t", Digest, "allow");
        var verifier = Verifier(time);

        var wrongTool = await verifier.VerifyAsync(token, "demo", "other.tool");
        var otherKey = await new GatewayDecisionTokenVerifier(_http, Encoding.UTF8.GetBytes("another-key-another-key-another-key-123"), Options(_gateway.BaseUri), time).VerifyAsync(token, "demo", "t");
        time.Advance(TimeSpan.FromSeconds(306));
        var expired = await verifier.VerifyAsync(token, "demo", "t");

        Assert.Equal((DecisionTokenStatus.Invalid, "wrong_tool"), (wrongTool.Status, wrongTool.Reason));
        Assert.Equal((DecisionTokenStatus.Invalid, "bad_signature"), (otherKey.Status, otherKey.Reason));
        Assert.Equal((DecisionTokenStatus.Expired, "expired"), (expired.Status, expired.Reason));
        Assert.Equal(0, _calls);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithoutTheCredential()
    {
        var options = Options(_gateway.BaseUri);
        var tooLong = Assert.Throws<ArgumentException>(() => new GatewayDecisionTokenVerifier(_http, Key, options with { LiveCacheDuration = TimeSpan.FromSeconds(6) }));
        Assert.Throws<ArgumentException>(() => new GatewayDecisionTokenVerifier(_http, Key, options with { ExecutorToken = " " }));
        Assert.Throws<ArgumentException>(() => new GatewayDecisionTokenVerifier(_http, Key, options with { Timeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new GatewayDecisionTokenVerifier(_http, Key, options with { GatewayUrl = new Uri("/relative", UriKind.Relative) }));
        Assert.DoesNotContain(options.ExecutorToken, tooLong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(options.ExecutorToken, options.ToString()!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://gw.example:8080")]
    [InlineData("http://10.0.0.5")]
    public void Constructor_PlainHttpGatewayUrlOnAnotherHost_IsRefusedUnlessAllowed(string url)
    {
        var options = Options(new Uri(url));

        var refused = Assert.Throws<ArgumentException>(() => new GatewayDecisionTokenVerifier(_http, Key, options));

        Assert.Contains("plain http://", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AllowInsecureHttp = true", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(options.ExecutorToken, refused.Message, StringComparison.Ordinal);
        Assert.NotNull(new GatewayDecisionTokenVerifier(_http, Key, options with { AllowInsecureHttp = true }));
    }

    [Theory]
    [InlineData("http://localhost:8080")]
    [InlineData("http://127.0.0.2")]
    [InlineData("http://[::1]")]
    [InlineData("https://gw.example")]
    public void Constructor_LoopbackOrHttpsGatewayUrl_NeedsNoOptIn(string url) =>
        Assert.NotNull(new GatewayDecisionTokenVerifier(_http, Key, Options(new Uri(url))));

    private GatewayDecisionTokenVerifier Verifier(TimeProvider time, TimeSpan? liveCache = null) =>
        new(_http, Key, Options(_gateway.BaseUri) with { LiveCacheDuration = liveCache ?? TimeSpan.FromSeconds(2) }, time);

    private static GatewayDecisionTokenVerifierOptions Options(Uri gateway) => new() { GatewayUrl = gateway, ExecutorToken = "executor-token-for-tests-0123456789" };

    private static string ReadJti(string token) =>
        System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement.GetProperty("jti").GetString()!;

    // A loopback port held by a socket that never listens: a connection to it is refused for as long as the socket is
    // open, and no other process can take the port meanwhile (a port closed before the test could be reused).
    private static Socket BoundNotListening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return socket;
    }
}
