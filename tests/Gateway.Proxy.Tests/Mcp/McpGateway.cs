using Microsoft.Extensions.Configuration;
using Gamut.Agent;
using Gateway.Proxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// The governed gateway with two real MCP servers (the official .NET SDK) in its catalog beside the example's HTTP
/// tools: <c>notes</c> (tools <c>find</c>, which the demo agent may use, and <c>erase</c>, which it may not; a vault
/// credential) and <c>files</c> (<c>read_file</c>, permitted, and <c>write_file</c>, permitted and pinned to the
/// definition it serves at start).
/// </summary>
public sealed class McpGateway : IAsyncDisposable
{
    public const string NotesCredential = "notes-vault-credential-1ee7";

    private McpGateway(GovernedGateway gateway, McpTestServer notes, McpTestServer files)
    {
        Gateway = gateway;
        Notes = notes;
        Files = files;
    }

    public GovernedGateway Gateway { get; }

    public McpTestServer Notes { get; }

    public McpTestServer Files { get; }

    public static async Task<McpGateway> StartAsync(Func<string, string>? rewrite = null, IReadOnlyDictionary<string, string?>? settings = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var notes = await McpTestServer.StartAsync(("find", "Finds notes."), ("erase", "Erases a note."));
        var files = await McpTestServer.StartAsync(("read_file", "Reads a file."), ("write_file", "Writes a file."));
        var pin = PinOf("write_file", "Writes a file.");
        var gateway = await GovernedGateway.StartAsync(text =>
        {
            text = text.Replace("catalog:\n", $$"""
                catalog:
                  - { name: notes, kind: mcp, action_type: read, target_system: notes, upstream: "{{notes.Url}}", credential: "vault:notes-token" }
                  - { name: notes.find, kind: mcp_tool, action_type: read, target_system: notes, connector: notes, mcp_tool: find }
                  - { name: notes.erase, kind: mcp_tool, action_type: delete, target_system: notes, connector: notes, mcp_tool: erase }
                  - { name: files, kind: mcp, action_type: read, target_system: files, upstream: "{{files.Url}}", credential: none }
                  - { name: files.read, kind: mcp_tool, action_type: read, target_system: files, connector: files, mcp_tool: read_file }
                  - { name: files.write, kind: mcp_tool, action_type: write, target_system: files, connector: files, mcp_tool: write_file, pin: "{{pin}}" }

                """.Replace("\r", string.Empty), StringComparison.Ordinal);
            // The example's crm.read_contact, its ids narrowed to c-<digits> (to see a pattern refuse).
            text = text.Replace(
                "    input_schema: { type: object, properties: { id: { type: string, minLength: 1, description: \"The contact's id, e.g. 42.\" } }, required: [id], additionalProperties: false }\n",
                "    input_schema: { type: object, properties: { id: { type: string, pattern: \"^c-[0-9]+$\" } }, required: [id], additionalProperties: false }\n",
                StringComparison.Ordinal);
            text = text.Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: notes }\n      - { tool: notes.find }\n      - { tool: files.read }\n      - { tool: files.write }\n", StringComparison.Ordinal);
            return rewrite?.Invoke(text) ?? text;
        }, settings is null && configure is null ? null : (Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        {
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            configure?.Invoke(builder);
        });
        using var put = await gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/notes-token",
            new StringContent($$"""{"value":"{{NotesCredential}}"}""", System.Text.Encoding.UTF8, "application/json"));
        put.EnsureSuccessStatusCode();
        return new McpGateway(gateway, notes, files);
    }

    /// <summary>The gateway as <see cref="StartAsync"/> starts it, the demo agent also allowed the files server's per-server route <c>/providers/files</c>.</summary>
    public static Task<McpGateway> StartWithFilesRouteAsync() => StartAsync(text =>
        text.Replace("      - { tool: files.write }\n", "      - { tool: files.write }\n      - { tool: files }\n", StringComparison.Ordinal));

    /// <summary>An MCP client (the official .NET SDK, its default protocol version) of one server through <c>/providers/&lt;server&gt;</c>, signed as the demo agent.</summary>
    public Task<McpClient> ConnectProviderAsync(string server)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(Gateway.Host.BaseAddress, "/providers/" + server), TransportMode = HttpTransportMode.StreamableHttp },
            SignedHttp(),
            ownsHttpClient: true);
        return McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new Implementation { Name = "gateway-tests", Version = "1.0" } });
    }

    /// <summary>The pin of a tool as <see cref="McpTestServer"/> serves it.</summary>
    public static string PinOf(string name, string description) => global::Gateway.Connectors.Mcp.McpToolDefinition.Digest(new Tool
    {
        Name = name,
        Description = description,
        InputSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"text":{"type":"string"}}}""").RootElement.Clone(),
    });

    /// <summary>An HTTP client signing every request as the demo agent (for raw JSON-RPC on <c>/mcp</c>).</summary>
    public HttpClient SignedHttp() => SignedHttp("demo-agent", Gateway.Bundle.AgentSecret);

    /// <summary>An HTTP client signing every request as <paramref name="agent"/> of the demo tenant.</summary>
    public HttpClient SignedHttp(string agent, string secret)
    {
        var stream = new ServerStreamHandler(new GamutSigningHandler(new GamutOptions
        {
            BaseUrl = Gateway.Host.BaseAddress.ToString(),
            Tenant = "demo",
            Workspace = "ws-demo",
            AgentId = agent,
            Secret = secret,
        }));
        var http = new HttpClient(stream) { BaseAddress = Gateway.Host.BaseAddress };
        _streams.AddOrUpdate(http, stream);
        return http;
    }

    // The GET stream of each client SignedHttp made: ConnectAsync waits for it.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, ServerStreamHandler> _streams = [];

    /// <summary>Posts one JSON-RPC message to <c>/mcp</c> with <paramref name="headers"/>, signed, and returns the status and the JSON answer.</summary>
    public async Task<(System.Net.HttpStatusCode Status, System.Text.Json.JsonElement Json)> PostAsync(string json, params (string Name, string Value)[] headers)
    {
        var (status, text) = await PostRawAsync(json, headers);
        return (status, text.Length == 0 ? default : System.Text.Json.JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Posts one JSON-RPC message to <c>/mcp</c> with <paramref name="headers"/>, signed, and returns the status and the body as text.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body)> PostRawAsync(string json, params (string Name, string Value)[] headers)
    {
        using var http = SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Posts one JSON-RPC message to <c>/providers/&lt;server&gt;</c> with <paramref name="headers"/>, signed; returns the status, the body as text and the request id.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body, string RequestId)> PostProviderAsync(string server, string json, params (string Name, string Value)[] headers)
    {
        using var http = SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/providers/" + server) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), requestId);
    }

    /// <summary>An MCP client of <c>/mcp</c> (the official .NET SDK), every request signed as the demo agent.</summary>
    public Task<McpClient> ConnectAsync(string? protocolVersion = null, McpClientHandlers? handlers = null, ClientCapabilities? capabilities = null) =>
        ConnectAsync(SignedHttp(), protocolVersion, handlers, capabilities);

    /// <summary>
    /// An MCP client of <c>/mcp</c> (the official .NET SDK) over <paramref name="signed"/>, which it owns. A client of
    /// <see cref="SignedHttp(string, string)"/> with a session (a protocol version with the initialize handshake) is returned
    /// once its GET stream is open, so that a notification the gateway sends from then on reaches it: the SDK opens that
    /// stream after initialize, and drops what the gateway would send to a session with none.
    /// </summary>
    public async Task<McpClient> ConnectAsync(HttpClient signed, string? protocolVersion = null, McpClientHandlers? handlers = null, ClientCapabilities? capabilities = null)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(Gateway.Host.BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            signed,
            ownsHttpClient: true);
        var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "gateway-tests", Version = "1.0" },
            ProtocolVersion = protocolVersion,
            Handlers = handlers ?? new McpClientHandlers(),
            Capabilities = capabilities,
        });
        if (client.SessionId is not null && _streams.TryGetValue(signed, out var stream))
        {
            await stream.Open.WaitAsync(TimeSpan.FromSeconds(20));
        }

        return client;
    }

    /// <summary>Open once a GET through it has its answer's headers: the client's stream of the server's own messages.</summary>
    private sealed class ServerStreamHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Open => _open.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && response.IsSuccessStatusCode)
            {
                _open.TrySetResult();
            }

            return response;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Notes.DisposeAsync();
        await Files.DisposeAsync();
    }
}
