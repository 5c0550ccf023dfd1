using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gamut.Agent.Tests;

/// <summary>
/// How the client reads the gateway's answers, against a stand-in gateway (a real Kestrel server on loopback) that
/// answers what the real one rarely does on demand: a redirect, each error status with a decision and explanation,
/// a malformed approval; and what it sends while polling an approval.
/// </summary>
public sealed class GatewayAnswerTests
{
    private const string Problem = """{"code":"CODE","detail":"refused","request_id":"req-1","decision":"block","explanation":{"what_would_change":["ask bob"]}}""";

    private static GamutOptions OptionsFor(Uri gateway) => new()
    {
        BaseUrl = gateway.GetLeftPart(UriPartial.Authority),
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = "demo-agent",
        Secret = "demo-secret-do-not-use-in-production-0123456789",
    };

    /// <summary>A gateway that answers every request with <paramref name="status"/>, <paramref name="body"/> and <paramref name="headers"/>.</summary>
    private static Task<KestrelUpstream> GatewayAnsweringAsync(int status, string? body, Action<HttpResponse>? headers = null) =>
        KestrelUpstream.StartAsync(app => app.Run(async context =>
        {
            context.Response.StatusCode = status;
            headers?.Invoke(context.Response);
            if (body is not null)
            {
                context.Response.ContentType = "application/problem+json";
                await context.Response.WriteAsync(body);
            }
        }));

    /// <summary>Another host, counting what reaches it (and the signature headers it was sent).</summary>
    private sealed class Elsewhere : IAsyncDisposable
    {
        public ConcurrentQueue<string?> Signatures { get; } = new();

        public KestrelUpstream Server { get; private set; } = null!;

        public static async Task<Elsewhere> StartAsync()
        {
            var elsewhere = new Elsewhere();
            elsewhere.Server = await KestrelUpstream.StartAsync(app => app.Run(async context =>
            {
                elsewhere.Signatures.Enqueue(context.Request.Headers["X-Gamut-Signature"].ToString());
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"decision":"allow","invoked":false}""");
            }));
            return elsewhere;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    public static TheoryData<string> RedirectingHandlers => ["sockets", "client", "delegating"];

    private static HttpMessageHandler Handler(string kind) => kind switch
    {
        "sockets" => new SocketsHttpHandler(),
        "client" => new HttpClientHandler(),
        _ => new PassThrough { InnerHandler = new SocketsHttpHandler() },
    };

    private sealed class PassThrough : DelegatingHandler;

    [Theory]
    [MemberData(nameof(RedirectingHandlers))]
    public async Task ARedirect_WithACallersHandler_IsATypedErrorAndTheSignedRequestStaysWithTheGateway(string kind)
    {
        await using var elsewhere = await Elsewhere.StartAsync();
        await using var gateway = await GatewayAnsweringAsync(307, null, r => r.Headers.Location = elsewhere.Server.At("/v1/evaluate").AbsoluteUri);
        using var client = new GamutClient(OptionsFor(gateway.BaseUri), Handler(kind));

        var error = await Assert.ThrowsAsync<GamutHttpException>(() => client.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" }));

        Assert.Equal(307, error.Status);
        Assert.Equal("http_307", error.Code);
        Assert.Empty(elsewhere.Signatures);
    }

    [Fact]
    public async Task ARedirect_ThroughASigningHandlerOverACallersHandler_IsAnsweredNotFollowed()
    {
        await using var elsewhere = await Elsewhere.StartAsync();
        await using var gateway = await GatewayAnsweringAsync(302, null, r => r.Headers.Location = elsewhere.Server.At("/v1/chat/completions").AbsoluteUri);
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));
        using var http = new HttpClient(client.CreateSigningHandler(new SocketsHttpHandler()));

        using var answer = await http.PostAsync(client.ProviderUri("openai") + "v1/chat/completions", new StringContent("{}"));

        Assert.Equal(302, (int)answer.StatusCode);
        Assert.Empty(elsewhere.Signatures);
    }

    [Fact]
    public async Task AHandlerThatHasAlreadySentWithRedirectsOn_IsRefused()
    {
        await using var gateway = await GatewayAnsweringAsync(204, null);
        var used = new SocketsHttpHandler();
        using (var plain = new HttpClient(used, disposeHandler: false))
        {
            using var _ = await plain.GetAsync(gateway.BaseUri);
        }

        Assert.Throws<GamutConfigurationException>(() => new GamutClient(OptionsFor(gateway.BaseUri), used));
        used.Dispose();
    }

    public static TheoryData<int, string, Type> ErrorStatuses => new()
    {
        { 401, "agent_signature_invalid", typeof(GamutAuthenticationException) },
        { 403, "policy_denied", typeof(GamutDeniedException) },
        { 409, "run_cancelled", typeof(GamutRunCancelledException) },
        { 409, "run_ended", typeof(GamutRunEndedException) },
        { 409, "conflict", typeof(GamutHttpException) },
        { 429, "rate_limited", typeof(GamutRateLimitedException) },
        { 500, "internal", typeof(GamutHttpException) },
    };

    [Theory]
    [MemberData(nameof(ErrorStatuses))]
    public async Task EveryErrorStatus_CarriesTheGatewaysDecisionAndExplanation(int status, string code, Type expected)
    {
        await using var gateway = await GatewayAnsweringAsync(status, Problem.Replace("CODE", code, StringComparison.Ordinal));
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));

        var error = await Assert.ThrowsAnyAsync<GamutHttpException>(() => client.EvaluateAsync("crm.read_contact"));

        Assert.IsType(expected, error);
        Assert.Equal((status, code, "req-1"), (error.Status, error.Code, error.RequestId));
        Assert.Equal("block", error.Decision);
        Assert.Equal(["ask bob"], error.Remedies);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("null")]
    [InlineData("{\"n\":1}")]
    public async Task A409WhoseApprovalIdIsNotAString_IsTheGenericHttpError(string id)
    {
        await using var gateway = await GatewayAnsweringAsync(409, $$$"""{"code":"approval_required","decision":"require_approval","approval":{"id":{{{id}}}}}""");
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));

        var error = await Assert.ThrowsAnyAsync<GamutException>(() => client.InvokeToolAsync("crm.read_contact"));

        Assert.IsType<GamutHttpException>(error);
        Assert.Equal(("approval_required", "require_approval"), (error.Code, error.Decision));
    }

    [Fact]
    public async Task WaitForApprovalAsync_ForAPerson_PollsWithThePersonsToken()
    {
        const string person = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl";
        var seen = new ConcurrentQueue<string>();
        await using var gateway = await KestrelUpstream.StartAsync(app => app.MapGet("/v1/approvals/{id}", (HttpContext context, string id) =>
        {
            seen.Enqueue(context.Request.Headers["X-Gamut-Person"].ToString());
            return Results.Json(new { id, status = "denied" });
        }));
        using var agent = new GamutClient(OptionsFor(gateway.BaseUri));
        using var erin = agent.ForPerson(person);

        await Assert.ThrowsAsync<GamutApprovalDeniedException>(() => erin.WaitForApprovalAsync("apr_1"));
        await Assert.ThrowsAsync<GamutApprovalDeniedException>(() => agent.WaitForApprovalAsync("apr_1"));

        Assert.Equal([person, string.Empty], seen);
    }

    [Theory]
    [InlineData("rate_limited")]
    [InlineData("run_limit_exceeded")]
    [InlineData("budget_exhausted")]
    public async Task SendMessageAsync_A2aRefusalWithStatus429_IsRateLimitedWithTheRetryAfterHeader(string code)
    {
        await using var gateway = await KestrelUpstream.StartAsync(app => app.MapPost("/a2a/{connector}", async (HttpContext context) =>
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body);
            // A JSON-RPC refusal is answered 200; its data carries the HTTP status, the wait is the answer's Retry-After.
            context.Response.Headers.RetryAfter = "7";
            return Results.Json(new
            {
                jsonrpc = "2.0",
                id = request.RootElement.GetProperty("id").GetString(),
                error = new { code = -31000, message = "Too many.", data = new { code, status = 429, request_id = "req-1" } },
            });
        }));
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));

        var error = await Assert.ThrowsAsync<GamutRateLimitedException>(() => client.SendMessageAsync("helper", new A2aMessage { Skill = "summarize", Text = "hi" }));

        Assert.Equal((code, -31000, "req-1"), (error.Code, error.RpcCode, error.RequestId));
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    /// <summary>A gateway that answers its first <paramref name="refusals"/> requests 503 <paramref name="code"/> with <paramref name="retryAfter"/>, then allows; the nonces it was sent.</summary>
    private static Task<KestrelUpstream> GatewayRefusingAsync(ConcurrentQueue<string> nonces, int refusals, string code, string retryAfter)
    {
        var token = DecisionTokens.Issue(RandomNumberGenerator.GetBytes(32), TimeProvider.System, "demo", "demo-agent", "crm.read_contact", "digest", "allow");
        return KestrelUpstream.StartAsync(app => app.Run(async context =>
        {
            nonces.Enqueue(context.Request.Headers["X-Gamut-Nonce"].ToString());
            if (nonces.Count <= refusals)
            {
                context.Response.StatusCode = 503;
                context.Response.Headers.RetryAfter = retryAfter;
                context.Response.ContentType = "application/problem+json";
                await context.Response.WriteAsync($$"""{"code":"{{code}}","status":503,"detail":"Send the request again.","request_id":"req-1"}""");
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$$"""{"decision":"allow","invoked":true,"decision_token":"{{{token}}}","result":{}}""");
        }));
    }

    [Fact]
    public async Task InvokeAsync_DecisionOutdated503_IsSentOnceMoreWithANewNonce()
    {
        var nonces = new ConcurrentQueue<string>();
        await using var gateway = await GatewayRefusingAsync(nonces, refusals: 1, "decision_outdated", "1");
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));

        var decision = await client.InvokeToolAsync("crm.read_contact");

        Assert.True(decision.Invoked);
        Assert.Equal(2, nonces.Count);
        Assert.Equal(2, nonces.Distinct().Count());
    }

    [Fact]
    public async Task InvokeAsync_DecisionOutdated503Twice_IsTheErrorWithItsRetryAfterAfterOneResend()
    {
        var nonces = new ConcurrentQueue<string>();
        await using var gateway = await GatewayRefusingAsync(nonces, refusals: 2, "decision_outdated", "1");
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));

        var error = await Assert.ThrowsAsync<GamutHttpException>(() => client.InvokeToolAsync("crm.read_contact"));

        Assert.Equal((503, "decision_outdated"), (error.Status, error.Code));
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.Equal(2, nonces.Count);
    }

    [Theory]
    [InlineData("store_unavailable", "2")]
    [InlineData("decision_outdated", "30")]
    public async Task InvokeAsync_503NotResent_ExposesRetryAfter(string code, string retryAfter)
    {
        // Only decision_outdated is resent, and only after a wait the SDK bounds (at most 5 s).
        var nonces = new ConcurrentQueue<string>();
        await using var gateway = await GatewayRefusingAsync(nonces, refusals: 1, code, retryAfter);
        using var client = new GamutClient(OptionsFor(gateway.BaseUri));

        var error = await Assert.ThrowsAsync<GamutHttpException>(() => client.InvokeToolAsync("crm.read_contact"));

        Assert.Equal((503, code), (error.Status, error.Code));
        Assert.Equal(TimeSpan.FromSeconds(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture)), error.RetryAfter);
        Assert.Single(nonces);
    }

    /// <summary>A monotonic clock that also counts the time <see cref="Skip"/> adds (a slow first answer, without waiting for one); timers run on real time.</summary>
    private sealed class SkippingTime : TimeProvider
    {
        private long _skipped;

        public void Skip(TimeSpan by) => Interlocked.Add(ref _skipped, (long)(by.TotalSeconds * TimestampFrequency));

        public override long GetTimestamp() => base.GetTimestamp() + Interlocked.Read(ref _skipped);
    }

    /// <summary>A gateway whose first answer, <paramref name="late"/> into the call, is 503 decision_outdated with Retry-After: 1; it never answers a resend.</summary>
    private static Task<KestrelUpstream> GatewayOutdatedLateAsync(ConcurrentQueue<string> nonces, SkippingTime time, TimeSpan late) =>
        KestrelUpstream.StartAsync(app => app.Run(async context =>
        {
            nonces.Enqueue(context.Request.Headers["X-Gamut-Nonce"].ToString());
            if (nonces.Count > 1)
            {
                await new TaskCompletionSource().Task.WaitAsync(context.RequestAborted);
            }

            time.Skip(late);
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "1";
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"code":"decision_outdated","status":503,"detail":"Send the request again.","request_id":"req-1"}""");
        }));

    [Fact]
    public async Task InvokeAsync_DecisionOutdatedThenNoAnswer_TimesOutWithinTheCallsTimeout()
    {
        // 2 s of the 4 s are gone when the 503 comes: the resend waits 1 s and has only the last second left.
        var (nonces, time) = (new ConcurrentQueue<string>(), new SkippingTime());
        await using var gateway = await GatewayOutdatedLateAsync(nonces, time, TimeSpan.FromSeconds(2));
        using var client = new GamutClient(OptionsFor(gateway.BaseUri) with { Timeout = TimeSpan.FromSeconds(4) }, timeProvider: time);
        var start = time.GetTimestamp();

        await Assert.ThrowsAsync<GamutTimeoutException>(() => client.InvokeToolAsync("crm.read_contact"));

        Assert.InRange(time.GetElapsedTime(start), TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(6));
        Assert.Equal(2, nonces.Count);
    }

    [Fact]
    public async Task InvokeAsync_DecisionOutdatedWithLessTimeLeftThanItsWait_IsTheErrorWithoutAResend()
    {
        var (nonces, time) = (new ConcurrentQueue<string>(), new SkippingTime());
        await using var gateway = await GatewayOutdatedLateAsync(nonces, time, TimeSpan.FromSeconds(1.5));
        using var client = new GamutClient(OptionsFor(gateway.BaseUri) with { Timeout = TimeSpan.FromSeconds(2) }, timeProvider: time);
        var start = time.GetTimestamp();

        var error = await Assert.ThrowsAsync<GamutHttpException>(() => client.InvokeToolAsync("crm.read_contact"));

        Assert.Equal((503, "decision_outdated"), (error.Status, error.Code));
        Assert.InRange(time.GetElapsedTime(start), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3));
        Assert.Single(nonces);
    }

    [Fact]
    public async Task DelegateAsync_GatewayMintedSecretShapedLikeAProviderKey_YieldsTheChildClient()
    {
        // A minted child secret is random base64url: a few in a million start like a provider key (sk-, hf_).
        var minted = "sk-" + string.Concat(Enumerable.Repeat("a1", 20));
        var agents = new ConcurrentQueue<string>();
        await using var gateway = await KestrelUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/delegations", () => Results.Json(new
            {
                agent = "dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa",
                tenant = "demo",
                secret = minted,
                delegation = new { name = "researcher", parent = "demo-agent", depth = 1, expires_at = "2030-01-01T00:00:00Z" },
            }));
            app.MapPost("/v1/evaluate", (HttpContext context) =>
            {
                agents.Enqueue(context.Request.Headers["X-Gamut-Agent"].ToString());
                return Results.Json(new { decision = "allow", invoked = false, simulated = true });
            });
        });
        using var parent = new GamutClient(OptionsFor(gateway.BaseUri));

        using var child = await parent.DelegateAsync(new DelegationGrant { Name = "researcher", Permissions = [new DelegatedPermission("crm.read_contact")] });
        await child.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "1" }, new ToolCallOptions { Simulate = true });

        Assert.Equal(("dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa", "demo-agent"), (child.Options.AgentId, child.Delegation!.Parent));
        Assert.Equal(["dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"], agents);
        // The same secret given by a caller is still refused, and so is the child's options with a secret of the caller's.
        Assert.Throws<GamutConfigurationException>(() => (OptionsFor(gateway.BaseUri) with { Secret = minted }).Validate());
        Assert.Throws<GamutConfigurationException>(() => (child.Options with { Secret = "sk-" + string.Concat(Enumerable.Repeat("b2", 20)) }).Validate());
    }
}
