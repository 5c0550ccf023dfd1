using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Connectors.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The real gateway over a private copy of the example bundle, every upstream pointed at one real
/// Kestrel server (<see cref="TestUpstream"/>) that verifies the decision token on every request as an
/// executor would. The gateway's three keys are configured explicitly (so the upstream knows the
/// decision-signing key), the bootstrap admin token is set, and the connectors' credentials are put
/// into the vault through the admin API.
/// </summary>
public sealed class GovernedGateway : IAsyncDisposable
{
    /// <summary>The bootstrap admin bearer token; the gateway knows only its SHA-256.</summary>
    public const string AdminToken = "governance-tests-bootstrap-admin-token-0123456789";

    /// <summary>The vault's values, by credential name (what the upstream must receive).</summary>
    public static readonly IReadOnlyDictionary<string, string> Credentials = new Dictionary<string, string>
    {
        ["crm-token"] = "crm-vault-credential-7f3a9c",
        ["tickets-token"] = "tickets-vault-credential-51be02",
        ["payments-key"] = "payments-vault-credential-c0ffee",
        ["mail-hook"] = "mail-vault-credential-0d15ea",
        ["openai-key"] = "openai-vault-credential-b16b00",
    };

    /// <summary>The example's upstream origins, all rewritten to the test upstream.</summary>
    private static readonly string[] ExampleOrigins =
        ["http://127.0.0.1:9100", "http://127.0.0.1:9110", "http://127.0.0.1:9120", "http://127.0.0.1:9130",
         "http://127.0.0.1:9140", "http://127.0.0.1:9150", "http://127.0.0.1:9200", "http://127.0.0.1:9300"];

    private readonly List<HttpClient> _clients = [];
    private readonly string _dataDirectory;

    private GovernedGateway(TestUpstream upstream, DemoBundle bundle, string dataDirectory, byte[] decisionKey)
    {
        Upstream = upstream;
        Bundle = bundle;
        _dataDirectory = dataDirectory;
        DecisionSigningKey = decisionKey;
    }

    public TestUpstream Upstream { get; }

    public DemoBundle Bundle { get; }

    public GatewayHost Host { get; private set; } = null!;

    /// <summary>The gateway's decision-signing key, as configured (DECISION_SIGNING_KEY).</summary>
    public byte[] DecisionSigningKey { get; }

    /// <summary>The rogue agent's runtime secret (the copy stores it in a file instead of the environment).</summary>
    public string RogueSecret { get; } = "rogue-agent-test-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public AgentClient Agent => new(Host.Client, Bundle.AgentSecret);

    public AgentClient Rogue => new(Host.Client, RogueSecret, agent: "rogue-agent");

    /// <summary>
    /// Starts the upstream, copies the bundle (credentials moved to the vault, the rogue agent's secret
    /// to a file, then <paramref name="rewrite"/> applied, then the upstreams rewritten), starts the
    /// gateway (in <paramref name="environment"/>) and fills the vault.
    /// </summary>
    public static async Task<GovernedGateway> StartAsync(Func<string, string>? rewrite = null, Action<WebApplicationBuilder>? configure = null, string environment = "Development")
    {
        var decisionKey = RandomNumberGenerator.GetBytes(32);
        var upstream = await TestUpstream.StartAsync(decisionKey).ConfigureAwait(false);
        var bundle = DemoBundle.Create();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "gw-gov-" + Guid.NewGuid().ToString("N"));
        var gateway = new GovernedGateway(upstream, bundle, dataDirectory, decisionKey);
        try
        {
            File.WriteAllText(Path.Combine(bundle.Directory, "secrets", "rogue-agent.secret"), gateway.RogueSecret);
            bundle.Rewrite(text =>
            {
                text = text
                    .Replace("credential: env:TICKETS_TOKEN", "credential: vault:tickets-token", StringComparison.Ordinal)
                    .Replace("secret: env:ROGUE_AGENT_SECRET", "secret: file:secrets/rogue-agent.secret", StringComparison.Ordinal);
                text = rewrite?.Invoke(text) ?? text;
                foreach (var origin in ExampleOrigins)
                {
                    text = text.Replace(origin, upstream.Origin, StringComparison.Ordinal);
                }

                return text;
            });

            var settings = new Dictionary<string, string?>
            {
                ["Gateway:DataDirectory"] = dataDirectory,
                ["Gateway:Admin:BootstrapTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminToken))),
                ["DATA_ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["DECISION_SIGNING_KEY"] = Convert.ToBase64String(decisionKey),
                ["GATEWAY_SERVICE_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            };
            gateway.Host = await GatewayHost.StartAsync(bundle.Directory, settings, configure, environment: environment).ConfigureAwait(false);
            var admin = gateway.Admin();
            foreach (var credential in Credentials)
            {
                using var put = await admin.PutAsync(
                    "/admin/v1/tenants/demo/credentials/" + credential.Key,
                    new StringContent(JsonSerializer.Serialize(new { value = credential.Value }), Encoding.UTF8, "application/json")).ConfigureAwait(false);
                if (put.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"vault put {credential.Key}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }
            }

            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A client for the admin API, authenticated with the bootstrap token (or <paramref name="token"/>).</summary>
    public HttpClient Admin(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? AdminToken);
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// Issues a named admin token with the given roles; returns its plaintext. An approver token is bound
    /// to tenant <c>demo</c> and the person <paramref name="name"/>, minted by an admin of that person's
    /// own (the tokens one admin mints count as one person).
    /// </summary>
    public async Task<string> IssueTokenAsync(string name, params string[] roles)
    {
        var approver = roles.Contains("approver");
        var minter = approver ? Admin(await IssueTokenAsync("minter-of-" + name + "-" + Guid.NewGuid().ToString("N")[..8], "admin").ConfigureAwait(false)) : Admin();
        object body = approver ? new { name, roles, tenant = "demo", person = name } : new { name, roles };
        using var response = await minter.PostAsync("/admin/v1/tokens",
            new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json")).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"token issue {name}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>The <c>secret_slot</c> of the audit record of the request <paramref name="response"/> answered (null when it has none).</summary>
    public async Task<string?> RecordedSecretSlotAsync(HttpResponseMessage response)
    {
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        using var page = JsonDocument.Parse(await Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000").ConfigureAwait(false));
        var record = Assert.Single(page.RootElement.GetProperty("records").EnumerateArray(),
            r => r.TryGetProperty("request_id", out var id) && id.GetString() == requestId);
        return record.TryGetProperty("secret_slot", out var slot) ? slot.GetString() : null;
    }

    /// <summary>Every audit record of tenant demo naming the request <paramref name="requestId"/>, in journal order (every page read).</summary>
    public async Task<List<JsonElement>> AuditRecordsAsync(string requestId)
    {
        var found = new List<JsonElement>();
        long? start = 0;
        while (start is { } from)
        {
            var page = JsonDocument.Parse(await Admin().GetStringAsync($"/admin/v1/tenants/demo/audit?start={from}&limit=1000").ConfigureAwait(false)).RootElement.Clone();
            found.AddRange(page.GetProperty("records").EnumerateArray().Where(r => r.TryGetProperty("request_id", out var id) && id.GetString() == requestId));
            start = page.TryGetProperty("next_start", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
        }

        return found;
    }

    /// <summary>A verifier holding the gateway's decision-signing key, on the given clock.</summary>
    public DecisionTokenVerifier Verifier(TimeProvider? time = null) => new(DecisionSigningKey, time ?? TimeProvider.System);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync().ConfigureAwait(false);
        }

        await Upstream.DisposeAsync().ConfigureAwait(false);
        Bundle.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// One real Kestrel server standing in for every upstream of the example bundle (crm, tickets,
/// payments, mail, exec, an OpenAI-compatible API, context). Like an executor, it verifies the
/// <c>X-Gamut-Decision-Token</c> of every request with <see cref="DecisionTokenVerifier"/> and refuses
/// (401) a missing or invalid one; each verification is recorded.
/// </summary>
public sealed class TestUpstream : IAsyncDisposable
{
    /// <summary>What the crm and tickets APIs answer: an e-mail, a bearer token, a Luhn-valid card number and an order number.</summary>
    public const string Email = "ada.lovelace@example.com";
    public const string BearerToken = "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    public const string CardNumber = "4111 1111 1111 1111";
    public const string OrderNumber = "4111111111111112";

    /// <summary>The content pieces of a streamed chat completion, in order.</summary>
    public static readonly string[] StreamPieces = ["Gate", "ways ", "govern."];

    private TestUpstream(KestrelUpstream server) => Server = server;

    public KestrelUpstream Server { get; }

    public string Origin => Server.Origin;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyCollection<ReceivedRequest> Received => Server.Received;

    /// <summary>The upstream's verification of each request's decision token, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<TokenCheck> TokenChecks { get; } = new();

    /// <summary>
    /// Set by a test once its client has read the MCP server's sampling request (id <c>sampling</c>): the server sends
    /// nothing more until then, as a real one waits for the client's answer.
    /// </summary>
    public TaskCompletionSource SamplingAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The requests received whose path starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<ReceivedRequest> To(string prefix) =>
        [.. Server.Received.Where(r => r.Target.StartsWith(prefix, StringComparison.Ordinal))];

    public static async Task<TestUpstream> StartAsync(byte[] decisionKey)
    {
        TestUpstream? self = null;
        var verifier = new DecisionTokenVerifier(decisionKey, TimeProvider.System);
        var server = await KestrelUpstream.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                var token = context.Request.Headers[SignatureHeaders.DecisionToken].ToString();
                // A stand-in for every executor at once: it checks each token for the tool the token names, and the tests
                // assert that tool (TokenChecks) where it matters.
                var result = verifier.Verify(token, "demo", ClaimedTool(token));
                self!.TokenChecks.Enqueue(new TokenCheck(context.Request.Path, token, result.Failure, result.Payload));
                if (result.Failure != DecisionTokenFailure.None)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await context.Response.WriteAsJsonAsync(new { error = "decision_token_" + result.Failure.ToString() }).ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
            app.MapGet("/crm/contacts/{id}", static async (HttpContext context, string id) =>
            {
                // Ids name the upstream's misbehaviour: compressing although asked for identity, or answering too much.
                if (id.StartsWith("missing-", StringComparison.Ordinal))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    await context.Response.WriteAsJsonAsync(new { error = "no such contact" }).ConfigureAwait(false);
                    return;
                }

                if (id.StartsWith("sse-split-", StringComparison.Ordinal))
                {
                    // A text stream that splits an address and a card number across events, each event sent on its own.
                    context.Response.ContentType = "text/event-stream";
                    foreach (var data in SplitStreamEvents)
                    {
                        await context.Response.WriteAsync("data: " + data + "\n\n").ConfigureAwait(false);
                        await context.Response.Body.FlushAsync().ConfigureAwait(false);
                        await Task.Delay(20, context.RequestAborted).ConfigureAwait(false);
                    }

                    return;
                }

                var json = JsonSerializer.SerializeToUtf8Bytes(Sensitive(id));
                context.Response.ContentType = "application/json";
                if (id.StartsWith("gzip-", StringComparison.Ordinal) || id.StartsWith("br-", StringComparison.Ordinal))
                {
                    var gzip = id.StartsWith("gzip-", StringComparison.Ordinal);
                    context.Response.Headers.ContentEncoding = gzip ? "gzip" : "br";
                    using var compressed = new MemoryStream();
                    await using (Stream encoder = gzip
                        ? new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)
                        : new System.IO.Compression.BrotliStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                    {
                        await encoder.WriteAsync(json).ConfigureAwait(false);
                    }

                    await context.Response.Body.WriteAsync(compressed.ToArray()).ConfigureAwait(false);
                    return;
                }

                if (id.StartsWith("big-", StringComparison.Ordinal))
                {
                    // 2 MiB of JSON; "big-len-" declares its length, "big-" streams it chunked.
                    var filler = new string('x', 2 * 1024 * 1024);
                    var big = JsonSerializer.SerializeToUtf8Bytes(new { id, filler });
                    if (id.StartsWith("big-len-", StringComparison.Ordinal))
                    {
                        context.Response.ContentLength = big.Length;
                    }

                    for (var offset = 0; offset < big.Length; offset += 16 * 1024)
                    {
                        await context.Response.Body.WriteAsync(big.AsMemory(offset, Math.Min(16 * 1024, big.Length - offset))).ConfigureAwait(false);
                        await context.Response.Body.FlushAsync().ConfigureAwait(false);
                    }

                    return;
                }

                await context.Response.Body.WriteAsync(json).ConfigureAwait(false);
            });
            app.MapMethods("/crm/contacts/{id}", ["PATCH", "POST", "PUT", "DELETE"], static (string id) => Results.Json(new { id, updated = true }));
            app.MapGet("/tickets/search", static (string? q) => Results.Json(new { query = q, tickets = new[] { Sensitive("t-1") } }));
            app.MapPost("/payments/refunds", static () => Results.Json(new { refund = "r-1", status = "refunded" }));
            app.MapPost("/mail", static () => Results.Json(new { queued = true }));
            app.MapPost("/exec", static () => Results.Json(new { ran = true }));
            app.MapGet("/context", static () => Results.Text("workspace context", "text/plain"));
            app.MapPost("/mcp", async (HttpContext context) =>
            {
                // An MCP server listing every tool (two of them an agent may not call); the request's id names how it answers.
                using var request = await JsonDocument.ParseAsync(context.Request.Body).ConfigureAwait(false);
                var first = request.RootElement.ValueKind == JsonValueKind.Array ? request.RootElement[0] : request.RootElement;
                var mode = first.GetProperty("id").ToString();
                if (mode == "sampling")
                {
                    // A tools/call answered on an event stream: first the server's sampling request to the client (its
                    // text ends mid-word), then, only once the client has it, the call's result.
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":70,\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Write to " + Email + " about the wor\"}}],\"maxTokens\":50}}\n\n").ConfigureAwait(false);
                    await context.Response.Body.FlushAsync().ConfigureAwait(false);
                    await self!.SamplingAnswered.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"sampling\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"sampled\"}]}}\n\n").ConfigureAwait(false);
                    return Results.Empty;
                }

                if (mode == "unreadable")
                {
                    return Results.Text("<html>tools: search, delete_document</html>", "application/json");
                }

                if (mode == "sse")
                {
                    return Results.Text("event: message\ndata: " + McpToolsListAnswer(first.GetProperty("id")) + "\n\n", "text/event-stream");
                }

                if (request.RootElement.ValueKind == JsonValueKind.Array)
                {
                    return Results.Text("[" + string.Join(',', request.RootElement.EnumerateArray().Select(m => McpToolsListAnswer(m.GetProperty("id")))) + "]", "application/json");
                }

                return Results.Text(mode == "tools-not-a-list"
                    ? """{"jsonrpc":"2.0","id":"tools-not-a-list","result":{"tools":{"delete_document":{"name":"delete_document"}}}}"""
                    : McpToolsListAnswer(first.GetProperty("id")), "application/json");
            });
            app.MapGet("/mcp", static (HttpContext context) =>
                // A resumed stream (Last-Event-ID): the server replays what it sent, here an earlier tools/list answer.
                context.Request.Headers.ContainsKey("Last-Event-ID")
                    ? Results.Text("id: 4\nevent: message\ndata: " + McpToolsListAnswer(JsonDocument.Parse("1").RootElement) + "\n\n", "text/event-stream")
                    : Results.StatusCode(StatusCodes.Status405MethodNotAllowed));
            app.MapPost("/v1/chat/completions", static async (HttpContext context) =>
            {
                using var request = await JsonDocument.ParseAsync(context.Request.Body).ConfigureAwait(false);
                var model = request.RootElement.TryGetProperty("model", out var m) ? m.GetString() : null;
                if (request.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
                {
                    return Results.Stream(async body =>
                    {
                        foreach (var piece in StreamPieces)
                        {
                            var chunk = JsonSerializer.Serialize(new
                            {
                                id = "chatcmpl-test", @object = "chat.completion.chunk", created = 1, model,
                                choices = new[] { new { index = 0, delta = new { content = piece }, finish_reason = (string?)null } },
                            });
                            await body.WriteAsync(Encoding.UTF8.GetBytes("data: " + chunk + "\n\n")).ConfigureAwait(false);
                            await body.FlushAsync().ConfigureAwait(false);
                        }

                        await body.WriteAsync("data: [DONE]\n\n"u8.ToArray()).ConfigureAwait(false);
                    }, "text/event-stream");
                }

                return Results.Json(new
                {
                    id = "chatcmpl-test",
                    @object = "chat.completion",
                    created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = "Write to " + Email }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 5, completion_tokens = 7, total_tokens = 12 },
                });
            });
        }).ConfigureAwait(false);
        self = new TestUpstream(server);
        return self;
    }

    /// <summary>A tools/list result naming every tool of the docs server.</summary>
    public static string McpToolsListAnswer(JsonElement id) =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + id.GetRawText() + ",\"result\":{\"tools\":[{\"name\":\"search\",\"inputSchema\":{}},{\"name\":\"delete_document\",\"inputSchema\":{}},{\"name\":\"undeclared_tool\"}]}}";

    /// <summary>The tool a token's payload names, read without verifying it ("-" when it cannot be read: the verifier then refuses it).</summary>
    private static string ClaimedTool(string token)
    {
        try
        {
            var parts = token.Split('.');
            using var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
            return payload.RootElement.GetProperty("tool").GetString() is { Length: > 0 } tool ? tool : "-";
        }
        catch (Exception ex) when (ex is FormatException or JsonException or IndexOutOfRangeException or KeyNotFoundException or InvalidOperationException)
        {
            return "-";
        }
    }

    /// <summary>The events of <c>/crm/contacts/sse-split-…</c>: an address split as text, a card number split inside a JSON text member.</summary>
    public static IReadOnlyList<string> SplitStreamEvents { get; } =
    [
        "contact ada.lovelace@exa",
        "mple.com, card",
        "{\"text\":\"4111 1111 \"}",
        "{\"text\":\"1111 1111 and done\"}",
    ];

    private static object Sensitive(string id) => new
    {
        id,
        email = Email,
        note = "session " + BearerToken,
        card = CardNumber,
        order = OrderNumber,
    };

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The upstream's verification of one request's decision token.</summary>
public sealed record TokenCheck(string Path, string Token, DecisionTokenFailure Failure, DecisionTokenPayload? Payload);

/// <summary>A <see cref="GovernedGateway"/> over the unmodified example policy, shared by one test class.</summary>
public sealed class GovernedGatewayFixture : IAsyncLifetime
{
    public GovernedGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync().ConfigureAwait(false);

    public async Task DisposeAsync() => await Gateway.DisposeAsync().ConfigureAwait(false);
}
