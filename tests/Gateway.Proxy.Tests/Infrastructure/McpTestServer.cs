using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A real MCP server (the official .NET SDK, streamable HTTP, stateful sessions) on a loopback port, serving tools that
/// echo their name and arguments. It records each call with the credential it arrived with, lets a test change a
/// tool's description (as a compromised server would), and can be stopped and started again on the same port, which
/// forgets every session (an upstream session expired mid-use).
/// </summary>
public sealed partial class McpTestServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _descriptions;
    private WebApplication? _app;

    private McpTestServer(IEnumerable<(string Name, string Description)> tools) =>
        _descriptions = new ConcurrentDictionary<string, string>(tools.ToDictionary(t => t.Name, t => t.Description), StringComparer.Ordinal);

    /// <summary>"http://127.0.0.1:port/mcp".</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>Each tools/call: the tool, its arguments, the Authorization header it carried.</summary>
    public ConcurrentQueue<(string Tool, string Arguments, string? Authorization)> Calls { get; } = new();

    /// <summary>The MCP mirrored headers (<c>Mcp-Method</c>, <c>Mcp-Name</c>, <c>Mcp-Param-*</c>) of each request that had any, as "name: value" lines.</summary>
    public ConcurrentQueue<string> MirroredHeaders { get; } = new();

    /// <summary>Each tools/call's session, in the order of <see cref="Calls"/>.</summary>
    public ConcurrentQueue<string?> CallSessions { get; } = new();

    /// <summary>Each HTTP request the server received: its method and the <c>Mcp-Session-Id</c> and <c>Last-Event-ID</c> it carried.</summary>
    public ConcurrentQueue<(string Method, string? SessionId, string? LastEventId)> Requests { get; } = new();

    /// <summary>Each resources/read: the URI asked for.</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    /// <summary>Each prompts/get: the prompt asked for.</summary>
    public ConcurrentQueue<string> Prompts { get; } = new();

    /// <summary>Each resources/unsubscribe: the URI.</summary>
    public ConcurrentQueue<string> Unsubscribed { get; } = new();

    /// <summary>The sessions subscribed to a resource.</summary>
    public int Subscribers => _subscribers.Count;

    private readonly ConcurrentDictionary<string, (McpServer Session, string Uri)> _subscribers = new(StringComparer.Ordinal);

    /// <summary>Tells every session subscribed to <paramref name="uri"/> that it changed.</summary>
    public async Task UpdatedAsync(string uri)
    {
        foreach (var (session, subscribed) in _subscribers.Values)
        {
            if (subscribed == uri)
            {
                await session.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri });
            }
        }
    }

    /// <summary>The context <see cref="AskModelTool"/>'s sampling request asks the client to include (unset when null).</summary>
#pragma warning disable MCP9005 // the sampling request's context: deprecated from 2026-07-28 on, still what a 2025-06-18 server may ask
    public ContextInclusion? SamplingIncludeContext { get; set; }
#pragma warning restore MCP9005

    /// <summary>A tool, when served, that asks the client's model mid-call (<c>sampling/createMessage</c>) and returns its answer.</summary>
    public const string AskModelTool = "ask_model";

    /// <summary>A tool, when served, that asks the person at the client mid-call (<c>elicitation/create</c>) and returns the choice.</summary>
    public const string AskPersonTool = "ask_person";

    /// <summary>A tool, when served, that asks the client for its roots mid-call (<c>roots/list</c>) and returns what it was answered.</summary>
    public const string AskRootsTool = "ask_roots";

    /// <summary>A call's <c>text</c> argument that makes any tool reflect the credential it arrived with (and a progress event carry it).</summary>
    public const string ReflectCredential = "reflect the credential";

    /// <summary>In a tool's description: replaced, as the server lists it, by the credential the listing arrived with (without its scheme).</summary>
    public const string CredentialPlaceholder = "{credential}";

    /// <summary>The tools/list requests the server answered.</summary>
    public int Listings => _listings;

    private int _listings;

    private readonly ConcurrentDictionary<string, McpServer> _listers = new(StringComparer.Ordinal);

    /// <summary>Tells every session that listed tools that the list changed (<c>notifications/tools/list_changed</c>).</summary>
    public async Task ToolsChangedAsync()
    {
        foreach (var session in _listers.Values)
        {
            await session.SendNotificationAsync(NotificationMethods.ToolListChangedNotification);
        }
    }

    /// <summary>
    /// How long each GET stream waits before the SDK opens it (a server slow to answer it): the SDK drops a notification it
    /// sends to a session whose stream is not open yet.
    /// </summary>
    public TimeSpan StreamDelay { get; set; }

    /// <summary>Sessions the server opened (initialize requests answered).</summary>
    public int Initializations => _initializations;

    private int _initializations;

    public static async Task<McpTestServer> StartAsync(params (string Name, string Description)[] tools)
    {
        var server = new McpTestServer(tools);
        await server.StartAsync(0).ConfigureAwait(false);
        return server;
    }

    /// <summary>While set, every call waits for it before it answers (a tool that takes its time).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>While set, a call that reports progress waits for it after its first step (a tool cut off mid-call).</summary>
    public TaskCompletionSource? HoldAfterFirstStep { get; set; }

    /// <summary>When true, a call that reports progress drops its connection after its first step (once <see cref="HoldAfterFirstStep"/> is let go, when set): a server failing mid-call.</summary>
    public bool DropAfterFirstStep { get; set; }

    /// <summary>When set, the description of the prompt, its argument, the resource and the resource template the server lists.</summary>
    public string? ListedDescription { get; set; }

    /// <summary>The size the server lists its resource with.</summary>
    public long? ListedSize { get; set; }

    /// <summary>Serves <paramref name="tool"/> with a new description from now on.</summary>
    public void Describe(string tool, string description) => _descriptions[tool] = description;

    /// <summary>Serves <paramref name="tool"/> with <paramref name="inputSchema"/> (JSON) from now on, in place of its one <c>text</c> string.</summary>
    public void DeclareInput(string tool, string inputSchema) => _schemas[tool] = inputSchema;

    private readonly ConcurrentDictionary<string, string> _schemas = new(StringComparer.Ordinal);

    /// <summary>Stops serving (the port refuses connections).</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts again on the same port, with no memory of any session.</summary>
    public Task RestartAsync() => StopAsync().ContinueWith(_ => StartAsync(new Uri(Url).Port)).Unwrap();

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = "mcp-test-server", Version = "1.0" })
            .WithHttpTransport(options => options.SessionMode = HttpServerSessionMode.Stateful)
            .WithListToolsHandler(async (request, cancellationToken) =>
            {
                Interlocked.Increment(ref _listings);
                _listers[request.Server.SessionId ?? string.Empty] = request.Server;
                if (HoldListing is { } holdListing)
                {
                    await holdListing.Task.WaitAsync(cancellationToken);
                }

                return new ListToolsResult
                {
                    Tools = [.. _descriptions.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tool
                    {
                        Name = t.Key,
                        Description = t.Value.Replace(CredentialPlaceholder, (request.Services?.GetRequiredService<IHttpContextAccessor>().HttpContext?.Request.Headers.Authorization.ToString() ?? string.Empty)
                            .Replace("Bearer ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal),
                        InputSchema = JsonDocument.Parse(_schemas.GetValueOrDefault(t.Key, """{"type":"object","properties":{"text":{"type":"string"}}}""")).RootElement.Clone(),
                    })],
                };
            })
            .WithListPromptsHandler((_, _) => ValueTask.FromResult(new ListPromptsResult
            {
                Prompts = [new Prompt { Name = "summarize", Description = ListedDescription ?? "Summarizes a topic.", Arguments = [new PromptArgument { Name = "topic", Required = true, Description = ListedDescription }] }],
            }))
            .WithGetPromptHandler((request, _) =>
            {
                Prompts.Enqueue(request.Params!.Name);
                return ValueTask.FromResult(new GetPromptResult
                {
                    Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Summarize {request.Params.Arguments?["topic"]} ({request.Params.Name})." } }],
                });
            })
            .WithListResourcesHandler(async (_, cancellationToken) =>
            {
                await ResourceListingAsync(cancellationToken);
                return new ListResourcesResult
                {
                    Resources = [new Resource { Uri = "note://q3-plan", Name = "q3-plan", MimeType = "text/plain", Description = ListedDescription, Size = ListedSize }],
                };
            })
            .WithListResourceTemplatesHandler((_, _) => ValueTask.FromResult(new ListResourceTemplatesResult
            {
                ResourceTemplates = [new ResourceTemplate { UriTemplate = "note://{id}", Name = "note", MimeType = "text/plain", Description = ListedDescription }],
            }))
            .WithCompleteHandler((request, _) => ValueTask.FromResult(new CompleteResult
            {
                // The topics a prompt's argument (or a note's id) can take, that begin with what the client typed so far.
                Completion = new Completion
                {
                    Values = [.. (request.Params!.Ref is PromptReference { Name: "summarize" } ? new[] { "gateway", "governance", "roadmap", "owner ada.lovelace@example.com" } : ["q3-plan", "q4-plan"])
                        .Where(v => v.StartsWith(request.Params.Argument.Value, StringComparison.Ordinal))],
                },
            }))
            .WithSubscribeToResourcesHandler((request, _) =>
            {
                _subscribers[request.Server.SessionId!] = (request.Server, request.Params!.Uri);
                Subscribed.Enqueue(request.Params.Uri);
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithUnsubscribeFromResourcesHandler((request, _) =>
            {
                _subscribers.TryRemove(request.Server.SessionId!, out var _);
                Unsubscribed.Enqueue(request.Params!.Uri);
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithReadResourceHandler((request, _) =>
            {
                Reads.Enqueue(request.Params!.Uri);
                return ValueTask.FromResult(new ReadResourceResult
                {
                    Contents = [new TextResourceContents { Uri = request.Params.Uri, MimeType = "text/plain", Text = "The Q3 plan, owned by ada.lovelace@example.com." }],
                });
            })
            .WithCallToolHandler(async (request, cancellationToken) =>
            {
                var name = request.Params!.Name;
                var arguments = JsonSerializer.Serialize(request.Params.Arguments ?? new Dictionary<string, JsonElement>());
                var http = request.Services!.GetRequiredService<IHttpContextAccessor>().HttpContext;
                CallIds.Enqueue(request.JsonRpcRequest.Id.ToString());
                Calls.Enqueue((name, arguments, http?.Request.Headers.Authorization.ToString()));
                CallSessions.Enqueue(request.Server.SessionId);
                if (!_descriptions.ContainsKey(name))
                {
                    throw new McpProtocolException($"Unknown tool '{name}'.", McpErrorCode.InvalidParams);
                }

                if (name == AskModelTool)
                {
                    // A tool that asks the client's model mid-call (sampling), about a person the gateway redacts on the way.
#pragma warning disable MCP9005 // Sampling is deprecated from 2026-07-28 on; servers at 2025-06-18 still use it.
                    var sampled = await request.Server.SampleAsync(new CreateMessageRequestParams
                    {
                        Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "Summarize the notes of ada.lovelace@example.com." }] }],
                        MaxTokens = 50,
                        IncludeContext = SamplingIncludeContext,
                    }, cancellationToken);
#pragma warning restore MCP9005
                    var answer = string.Concat(sampled.Content.OfType<TextContentBlock>().Select(b => b.Text));
                    return new CallToolResult { Content = [new TextContentBlock { Text = $"the model said: {answer}" }] };
                }

                if (name == AskPersonTool)
                {
                    // A tool that asks the person at the client mid-call (elicitation).
                    var elicited = await request.Server.ElicitAsync(new ElicitRequestParams
                    {
                        Message = "Which folder?",
                        RequestedSchema = new ElicitRequestParams.RequestSchema
                        {
                            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { ["folder"] = new ElicitRequestParams.StringSchema() },
                        },
                    }, cancellationToken);
                    var folder = elicited.Content?.TryGetValue("folder", out var value) == true ? value.GetString() : null;
                    return new CallToolResult { Content = [new TextContentBlock { Text = $"the person chose {elicited.Action}: {folder}" }] };
                }

                if (name == AskRootsTool)
                {
                    // A tool that asks the client for its roots mid-call, whatever the client declared (the gateway declares none).
                    try
                    {
                        var roots = await request.Server.SendRequestAsync(new JsonRpcRequest { Method = "roots/list" }, cancellationToken);
                        return new CallToolResult { Content = [new TextContentBlock { Text = $"the client's roots: {roots.Result}" }] };
                    }
                    catch (McpProtocolException ex)
                    {
                        return new CallToolResult { Content = [new TextContentBlock { Text = $"roots/list refused: {(int)ex.ErrorCode}" }] };
                    }
                }

                if (request.Params.Arguments?.TryGetValue("text", out var asked) == true && asked.ValueKind == JsonValueKind.String && asked.GetString() == ReflectCredential)
                {
                    // A server that reflects the credential it was sent, without its scheme, in a progress event and its result.
                    var bare = (http?.Request.Headers.Authorization.ToString() ?? string.Empty).Replace("Bearer ", string.Empty, StringComparison.Ordinal);
                    if (request.Params.ProgressToken is { } echoToken)
                    {
                        await request.Server.SendNotificationAsync(NotificationMethods.ProgressNotification, new ProgressNotificationParams
                        {
                            ProgressToken = echoToken,
                            Progress = new ProgressNotificationValue { Progress = 1, Total = 1, Message = "signed in with " + bare },
                        }, cancellationToken: cancellationToken);
                    }

                    return new CallToolResult { Content = [new TextContentBlock { Text = "you sent " + bare + " (" + Uri.EscapeDataString(bare) + ")" }] };
                }

                if (Hold is { } hold)
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }

                if (request.Params.ProgressToken is { } progressToken)
                {
                    // A long-running tool: it reports its progress before it answers.
                    for (var step = 1; step <= 3; step++)
                    {
                        await request.Server.SendNotificationAsync(NotificationMethods.ProgressNotification, new ProgressNotificationParams
                        {
                            ProgressToken = progressToken,
                            Progress = new ProgressNotificationValue { Progress = step, Total = 3, Message = $"step {step} for ada.lovelace@example.com" },
                        }, cancellationToken: cancellationToken);
                        if (step == 1 && HoldAfterFirstStep is { } afterFirst)
                        {
                            await afterFirst.Task.WaitAsync(cancellationToken);
                        }

                        if (step == 1 && DropAfterFirstStep)
                        {
                            http?.Abort();
                            throw new OperationCanceledException("The server dropped its connection mid-call.");
                        }
                    }
                }

                return new CallToolResult
                {
                    Content = [new TextContentBlock { Text = $"{name} ran with {arguments}" }],
                    StructuredContent = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["tool"] = name }),
                };
            });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            Requests.Enqueue((context.Request.Method, context.Request.Headers["Mcp-Session-Id"].FirstOrDefault(), context.Request.Headers["Last-Event-ID"].FirstOrDefault()));
            var mirrored = context.Request.Headers.Where(static h => h.Key.Equals("Mcp-Method", StringComparison.OrdinalIgnoreCase)
                || h.Key.Equals("Mcp-Name", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("Mcp-Param-", StringComparison.OrdinalIgnoreCase)).ToList();
            if (mirrored.Count > 0)
            {
                MirroredHeaders.Enqueue(string.Join('\n', mirrored.Select(static h => h.Key + ": " + h.Value)));
            }

            if (HttpMethods.IsPost(context.Request.Method) && !context.Request.Headers.ContainsKey("Mcp-Session-Id"))
            {
                Interlocked.Increment(ref _initializations);
            }

            if (HttpMethods.IsPost(context.Request.Method))
            {
                await RecordCancellationAsync(context.Request);
            }

            if (HttpMethods.IsGet(context.Request.Method) && StreamDelay > TimeSpan.Zero)
            {
                await Task.Delay(StreamDelay, context.RequestAborted);
            }

            await next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Url = address.TrimEnd('/') + "/mcp";
        _app = app;
    }
}
