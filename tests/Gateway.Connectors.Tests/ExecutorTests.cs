using System.Text;
using System.Text.Json;
using Gateway.Connectors.Executors;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Signing;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Tests;

public sealed class ExecutorTests : IAsyncLifetime
{
    private static readonly byte[] ServiceKey = Encoding.UTF8.GetBytes("gateway-service-key-for-tests-0123456789");
    private readonly TestVault _vault = new(new Dictionary<string, string> { ["MODEL_KEY"] = "sk-env-model-key" });
    private readonly InMemoryStateStore _nonces = new();
    private readonly HttpClient _client = new();
    private readonly List<string> _seen = [];
    private KestrelUpstream _upstream = null!;
    private string? _lastWebhookFailure;

    public async Task InitializeAsync()
    {
        await _vault.Vault.PutAsync("acme", "orders", "orders-api-key");
        var verifier = new WebhookSignatureVerifier(ServiceKey, _nonces);
        _upstream = await KestrelUpstream.StartAsync(app =>
        {
            app.Map("/api/{**rest}", async (HttpContext context) =>
            {
                lock (_seen)
                {
                    _seen.Add(context.Request.Method + " " + context.Request.Path + context.Request.QueryString);
                }

                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                return Results.Json(new
                {
                    method = context.Request.Method,
                    path = context.Request.Path.Value,
                    rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget,
                    query = context.Request.QueryString.Value,
                    body,
                    auth = context.Request.Headers.Authorization.ToString(),
                    token = context.Request.Headers[SignatureHeaders.DecisionToken].ToString(),
                    dryRun = context.Request.Headers[GatewayHeaders.DryRun].ToString(),
                    email = "customer@example.com",
                });
            });
            app.MapGet("/slow", async (CancellationToken ct) =>
            {
                await Task.Delay(5000, ct);
                return "late";
            });
            app.MapGet("/big", () => Results.Text(new string('x', 10_000)));
            app.MapPost("/hook", async (HttpContext context) =>
            {
                var result = await verifier.VerifyAsync(context.Request);
                _lastWebhookFailure = result.Failure;
                return result.IsValid ? Results.Json(new { accepted = true, body = await new StreamReader(context.Request.Body).ReadToEndAsync() }) : Results.StatusCode(401);
            });
            app.MapPost("/openai/chat/completions", async (HttpContext context) =>
            {
                using var request = await JsonDocument.ParseAsync(context.Request.Body);
                var root = request.RootElement;
                var model = root.GetProperty("model").GetString();
                var max = root.TryGetProperty("max_completion_tokens", out var m) ? m.GetInt32() : root.TryGetProperty("max_tokens", out var t) ? t.GetInt32() : -1;
                if (root.TryGetProperty("stream", out var s) && s.GetBoolean())
                {
                    var includeUsage = root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean();
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("data: {\"choices\":[{\"delta\":{\"content\":\"Hi bob@example.com\"}}]}\n\n");
                    await context.Response.Body.FlushAsync();
                    await context.Response.WriteAsync("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":" + (includeUsage ? 7 : 0) + ",\"total_tokens\":18}}\n\n");
                    await context.Response.WriteAsync("data: [DONE]\n\n");
                    return Results.Empty;
                }

                return Results.Json(new
                {
                    model,
                    max,
                    auth = context.Request.Headers.Authorization.ToString(),
                    choices = new[] { new { message = new { content = "ok" } } },
                    usage = new { prompt_tokens = 5, completion_tokens = 3, total_tokens = 8 },
                });
            });
            app.MapPost("/anthropic/messages", async (HttpContext context) =>
            {
                using var request = await JsonDocument.ParseAsync(context.Request.Body);
                if (request.RootElement.TryGetProperty("stream", out var s) && s.GetBoolean())
                {
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
                    await context.Response.WriteAsync("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hello\"}}\n\n");
                    await context.Response.WriteAsync("event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":15}}\n\n");
                    return Results.Empty;
                }

                return Results.Json(new
                {
                    key = context.Request.Headers["x-api-key"].ToString(),
                    version = context.Request.Headers["anthropic-version"].ToString(),
                    model = request.RootElement.GetProperty("model").GetString(),
                    max_tokens = request.RootElement.GetProperty("max_tokens").GetInt32(),
                    usage = new { input_tokens = 10, output_tokens = 4, cache_read_input_tokens = 2 },
                });
            });
            app.MapGet("/context", (string scope, string query) =>
                Results.Text($"scope={scope};query={query};" + string.Concat(Enumerable.Repeat("é", 50)), "text/plain; charset=utf-8"));
        });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _upstream.DisposeAsync();
    }

    private static ConnectorCall Call(string argsJson, DegradeMode degrade = DegradeMode.None, bool isRead = false) => new()
    {
        Args = JsonDocument.Parse(argsJson).RootElement.Clone(),
        Tenant = "acme",
        Workspace = "ws-1",
        Agent = "agent-1",
        RequestId = "req-1",
        DecisionToken = "v1.payload.mac",
        DegradeMode = degrade,
        IsReadAction = isRead,
    };

    private ConnectorDefinition HttpConnector(string method, string template, ArgsLocation argsIn = ArgsLocation.Body) => new()
    {
        Name = "orders",
        Kind = ConnectorKind.Http,
        Upstream = _upstream.At("api/"),
        CredentialReference = "vault:orders",
        Http = new HttpBinding(method, template, argsIn),
    };

    private HttpConnectorExecutor Http() => new(_client, _vault.Resolver);

    [Fact]
    public async Task Http_GetWithTemplate_FillsEncodedPathAndQuery()
    {
        var result = await Http().ExecuteAsync(HttpConnector("GET", "/orders/{id}"), Call("""{"id":"a&b c","status":"open","tags":["x","y"]}"""));

        Assert.True(result.Invoked);
        Assert.Equal(200, result.StatusCode);
        var json = result.Json!.Value;
        Assert.Equal("/api/orders/a%26b%20c?status=open&tags=x&tags=y", json.GetProperty("rawTarget").GetString());
        Assert.Equal("Bearer orders-api-key", json.GetProperty("auth").GetString());
        Assert.Equal("v1.payload.mac", json.GetProperty("token").GetString());
    }

    [Fact]
    public async Task Http_PostBody_RemainingArgsAsJson()
    {
        var result = await Http().ExecuteAsync(HttpConnector("POST", "/orders/{id}/notes"), Call("""{"id":42,"note":"hello","n":{"a":1}}"""));

        var json = result.Json!.Value;
        Assert.Equal("/api/orders/42/notes", json.GetProperty("path").GetString());
        Assert.Equal("""{"note":"hello","n":{"a":1}}""", json.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Http_MissingPathArgument_ArgumentError()
    {
        await Assert.ThrowsAsync<ConnectorArgumentException>(async () => await Http().ExecuteAsync(HttpConnector("GET", "/orders/{id}"), Call("{}")));
    }

    [Fact]
    public async Task Http_ReadOnly_WriteVerbRefusedBeforeUpstream()
    {
        var before = _seen.Count;
        await Assert.ThrowsAsync<DegradeRefusedException>(async () => await Http().ExecuteAsync(HttpConnector("DELETE", "/orders/{id}"), Call("""{"id":1}""", DegradeMode.ReadOnly)));
        Assert.Equal(before, _seen.Count);

        var read = await Http().ExecuteAsync(HttpConnector("GET", "/orders/{id}"), Call("""{"id":1}""", DegradeMode.ReadOnly));
        Assert.Equal(200, read.StatusCode);
    }

    [Fact]
    public async Task Http_DryRun_HeaderAndQueryFlag()
    {
        var result = await Http().ExecuteAsync(HttpConnector("POST", "/orders", ArgsLocation.Query), Call("""{"sku":"A1"}""", DegradeMode.DryRun));

        var json = result.Json!.Value;
        Assert.Equal("true", json.GetProperty("dryRun").GetString());
        Assert.Equal("?sku=A1&dry_run=true", json.GetProperty("query").GetString());
    }

    [Fact]
    public async Task Http_Redact_ResponseRedactedAndCounted()
    {
        var result = await Http().ExecuteAsync(HttpConnector("GET", "/orders"), Call("{}", DegradeMode.Redact));

        Assert.Equal("[REDACTED:email]", result.Json!.Value.GetProperty("email").GetString());
        Assert.Equal(1, result.Redactions[RedactionKind.Email]);
    }

    [Fact]
    public async Task Http_SlowUpstream_ConnectorTimeout()
    {
        var connector = HttpConnector("GET", "/slow") with { Upstream = _upstream.BaseUri, Timeout = TimeSpan.FromMilliseconds(200) };
        var ex = await Assert.ThrowsAsync<ConnectorTimeoutException>(async () => await Http().ExecuteAsync(connector, Call("{}")));
        Assert.IsType<TimeoutException>(ex, exactMatch: false);
        Assert.Equal("orders", ex.Connector);
    }

    [Fact]
    public async Task Http_LargeResponse_CutOffWithError()
    {
        var connector = HttpConnector("GET", "/big") with { Upstream = _upstream.BaseUri, MaxResponseBytes = 1024 };
        var ex = await Assert.ThrowsAsync<ResponseTooLargeException>(async () => await Http().ExecuteAsync(connector, Call("{}")));
        Assert.Equal(1024, ex.Limit);
    }

    private ConnectorDefinition Webhook() => new() { Name = "hook", Kind = ConnectorKind.Webhook, Upstream = _upstream.At("hook") };

    [Fact]
    public async Task Webhook_SignedCall_VerifiedByReceiver()
    {
        var executor = new WebhookExecutor(_client, _vault.Resolver, ServiceKey);

        var result = await executor.ExecuteAsync(Webhook(), Call("""{"event":"order.created","id":7}"""));

        Assert.Equal(200, result.StatusCode);
        Assert.Null(_lastWebhookFailure);
        Assert.Equal("""{"event":"order.created","id":7}""", result.Json!.Value.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Webhook_WrongKeyOrStaleClock_Refused()
    {
        var wrongKey = new WebhookExecutor(_client, _vault.Resolver, Encoding.UTF8.GetBytes("another-key"));
        Assert.Equal(401, (await wrongKey.ExecuteAsync(Webhook(), Call("{}"))).StatusCode);
        Assert.Equal("bad_signature", _lastWebhookFailure);

        var stale = new WebhookExecutor(_client, _vault.Resolver, ServiceKey, new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-6)));
        Assert.Equal(401, (await stale.ExecuteAsync(Webhook(), Call("{}"))).StatusCode);
        Assert.Equal("stale_timestamp", _lastWebhookFailure);
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

    private ConnectorDefinition OpenAi() => new()
    {
        Name = "openai",
        Kind = ConnectorKind.OpenAI,
        Upstream = _upstream.At("openai"),
        CredentialReference = "env:MODEL_KEY",
        RouteModel = "small-model",
        RouteMaxTokens = 256,
    };

    [Fact]
    public async Task OpenAi_Json_UsageAndCredential()
    {
        var result = await new ModelConnectorExecutor(_client, _vault.Resolver).ExecuteAsync(OpenAi(), Call("""{"model":"big-model","max_tokens":4000,"messages":[]}"""));

        Assert.Equal(new Models.ModelUsage(5, 3), result.Usage);
        Assert.Equal("Bearer sk-env-model-key", result.Json!.Value.GetProperty("auth").GetString());
        Assert.Equal("big-model", result.Json!.Value.GetProperty("model").GetString());
    }

    [Fact]
    public async Task OpenAi_RouteDegrade_ModelReplacedTokensCapped()
    {
        var result = await new ModelConnectorExecutor(_client, _vault.Resolver).ExecuteAsync(OpenAi(), Call("""{"model":"big-model","max_tokens":4000,"messages":[]}""", DegradeMode.Route));

        Assert.Equal("small-model", result.Json!.Value.GetProperty("model").GetString());
        Assert.Equal(256, result.Json!.Value.GetProperty("max").GetInt32());
    }

    [Fact]
    public async Task OpenAi_Streaming_UsageFromFinalChunkAndRedacted()
    {
        var result = await new ModelConnectorExecutor(_client, _vault.Resolver).ExecuteAsync(OpenAi(), Call("""{"model":"m","stream":true,"messages":[]}""", DegradeMode.Redact));

        Assert.Equal(new Models.ModelUsage(11, 7), result.Usage);
        Assert.Equal("text/event-stream", result.ContentType);
        Assert.Contains("Hi [REDACTED:email]", result.Text, StringComparison.Ordinal);
        Assert.Equal(1, result.Redactions.Total);
    }

    private ConnectorDefinition Anthropic() => new()
    {
        Name = "anthropic",
        Kind = ConnectorKind.Anthropic,
        Upstream = _upstream.At("anthropic"),
        CredentialReference = "vault:orders",
        AuthScheme = AuthScheme.ApiKey,
        RouteMaxTokens = 100,
        RouteModel = "claude-small",
    };

    [Fact]
    public async Task Anthropic_Json_UsageHeadersAndRoute()
    {
        var result = await new ModelConnectorExecutor(_client, _vault.Resolver).ExecuteAsync(Anthropic(), Call("""{"model":"claude-big","max_tokens":1000,"messages":[]}""", DegradeMode.Route));

        var json = result.Json!.Value;
        Assert.Equal("orders-api-key", json.GetProperty("key").GetString());
        Assert.Equal(ModelConnectorExecutor.AnthropicVersion, json.GetProperty("version").GetString());
        Assert.Equal("claude-small", json.GetProperty("model").GetString());
        Assert.Equal(100, json.GetProperty("max_tokens").GetInt32());
        Assert.Equal(new Models.ModelUsage(12, 4), result.Usage);
    }

    [Fact]
    public async Task Anthropic_Streaming_UsageFromMessageStartAndDelta()
    {
        var result = await new ModelConnectorExecutor(_client, _vault.Resolver).ExecuteAsync(Anthropic(), Call("""{"model":"c","max_tokens":10,"stream":true,"messages":[]}"""));

        Assert.Equal(new Models.ModelUsage(25, 15), result.Usage);
    }

    [Fact]
    public async Task Context_TruncatesOnUtf8BoundaryAndSaysSo()
    {
        var connector = new ConnectorDefinition { Name = "docs", Kind = ConnectorKind.Context, Upstream = _upstream.At("context"), MaxResponseBytes = 1000 };
        var executor = new ContextExecutor(_client, _vault.Resolver);

        var cut = await executor.ExecuteAsync(connector, Call("""{"scope":"hr docs","query":"a&b","max_bytes":30}"""));
        var whole = await executor.ExecuteAsync(connector, Call("""{"scope":"s","query":"q"}"""));

        Assert.True(cut.Truncated);
        Assert.StartsWith("scope=hr docs;query=a&b;é", cut.Text, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(cut.Text!) <= 30);
        Assert.DoesNotContain('\uFFFD', cut.Text!);
        Assert.False(whole.Truncated);
        Assert.EndsWith("éé", whole.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatcher_RoutesByKind()
    {
        var dispatcher = new ConnectorExecutor(Http(), new WebhookExecutor(_client, _vault.Resolver, ServiceKey), new ModelConnectorExecutor(_client, _vault.Resolver), new McpToolExecutor(_client, _vault.Resolver), new ContextExecutor(_client, _vault.Resolver));

        Assert.Equal(200, (await dispatcher.ExecuteAsync(HttpConnector("GET", "/x"), Call("{}"))).StatusCode);
        Assert.Equal(200, (await dispatcher.ExecuteAsync(Webhook(), Call("{}"))).StatusCode);
        await Assert.ThrowsAsync<ConnectorArgumentException>(async () => await dispatcher.ExecuteAsync(new ConnectorDefinition { Name = "m", Kind = ConnectorKind.Mcp, Upstream = _upstream.BaseUri }, Call("{}")));
    }

    [Fact]
    public async Task Upstream_Unreachable_HttpRequestException()
    {
        var connector = HttpConnector("GET", "/x") with { Upstream = new Uri($"http://127.0.0.1:{FreePort.Next()}/") };
        await Assert.ThrowsAnyAsync<HttpRequestException>(async () => await Http().ExecuteAsync(connector, Call("{}")));
    }
}
