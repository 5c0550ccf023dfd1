using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Mcp;
using Gateway.Policy;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gateway.Connectors.Tests.Mcp;

/// <summary>
/// The gateway's own MCP client reads a server's answers to the server's response limit, never below the default one: a
/// <c>tools/list</c> answer far longer than that (one tool's description of 256 MiB, as JSON or as a server-sent event)
/// fails that server's listing as a listing past its bounds does, answered long before the server has written it all, and
/// not asked again on a new session; a listing longer than the server's own limit but under the default is listed. A new
/// bundle that changes a server's credential lists it on a new session, sent with the new credential.
/// </summary>
public sealed class McpServerToolListsTests : IAsyncLifetime
{
    private const int Limit = 64 * 1024;
    private const long Description = 256L * 1024 * 1024;
    private const int ManyToolCount = 80;

    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["TICKETS_ADMIN"] = "tickets-admin-credential",
        ["TICKETS_READONLY"] = "tickets-readonly-credential",
    };

    private readonly McpServerToolLists _lists = new(new CredentialResolver(null, environment: static name => Variables.GetValueOrDefault(name)), TimeProvider.System, NullLoggerFactory.Instance);
    private readonly ConcurrentQueue<string> _listedWith = new();
    private KestrelUpstream _server = null!;
    private int _initializations;
    private int _listings;
    private long _written;

    public async Task InitializeAsync() =>
        _server = await KestrelUpstream.StartAsync(app => app.MapPost("/mcp/{mode}", async (string mode, HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var message = document.RootElement;
            var method = message.GetProperty("method").GetString();
            if (method == "initialize")
            {
                Interlocked.Increment(ref _initializations);
                return HttpResults.Json(new
                {
                    jsonrpc = "2.0",
                    id = message.GetProperty("id").Clone(),
                    result = new { protocolVersion = "2025-06-18", capabilities = new { tools = new { } }, serverInfo = new { name = "huge", version = "1" } },
                });
            }

            if (method != "tools/list")
            {
                return HttpResults.StatusCode(202);
            }

            Interlocked.Increment(ref _listings);
            _listedWith.Enqueue(context.Request.Headers.Authorization.ToString());
            if (mode == "many")
            {
                return HttpResults.Json(new { jsonrpc = "2.0", id = message.GetProperty("id").Clone(), result = new { tools = ManyTools() } });
            }

            await WriteHugeListingAsync(context, mode, message.GetProperty("id").GetRawText());
            return HttpResults.Empty;
        }));

    public async Task DisposeAsync()
    {
        await _lists.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("json")]
    [InlineData("sse")]
    public async Task ListTools_ServerAnswersMoreThanItsResponseLimit_FailsThatServerWithoutBufferingIt(string mode)
    {
        var server = new CatalogEntry
        {
            Name = "huge-mcp",
            Kind = ConnectorKind.Mcp,
            ActionType = ActionType.Read,
            Upstream = _server.At("mcp/" + mode),
            Limits = new ConnectorLimits { MaxResponseBytes = Limit },
        };

        var tools = await _lists.GetAsync("acme", server, CancellationToken.None);
        var written = Volatile.Read(ref _written);

        Assert.False(tools.Available);
        Assert.Empty(tools.Tools);
        Assert.Contains("ListingTooLongException", tools.Failure, StringComparison.Ordinal);
        Assert.True(written < Description / 2, $"the server had written {written} bytes of {Description} when the gateway answered");
        Assert.Equal(1, Volatile.Read(ref _initializations));
        Assert.Equal(1, Volatile.Read(ref _listings));
    }

    [Fact]
    public async Task ListTools_ServerResponseLimitBelowItsListing_StillListed()
    {
        var server = new CatalogEntry
        {
            Name = "many-mcp",
            Kind = ConnectorKind.Mcp,
            ActionType = ActionType.Read,
            Upstream = _server.At("mcp/many"),
            Limits = new ConnectorLimits { MaxResponseBytes = Limit },
        };

        var tools = await _lists.GetAsync("acme", server, CancellationToken.None);

        Assert.True(tools.Available, tools.Failure);
        Assert.Equal(ManyToolCount, tools.Tools.Count);
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(ManyTools()).Length > Limit);
    }

    [Fact]
    public async Task Listing_AfterReloadChangesTheServersCredential_IsSentWithTheNewCredential()
    {
        var admin = new CatalogEntry
        {
            Name = "tickets-mcp",
            Kind = ConnectorKind.Mcp,
            ActionType = ActionType.Read,
            Upstream = _server.At("mcp/many"),
            Credential = SecretReference.TryParse("env:TICKETS_ADMIN", null, out var reference) ? reference : null,
        };
        var readOnly = admin with { Credential = SecretReference.TryParse("env:TICKETS_READONLY", null, out var other) ? other : null };
        Assert.True((await _lists.GetAsync("acme", admin, CancellationToken.None)).Available);

        // A new bundle: the same server, now with its read-only credential.
        _lists.Invalidate();
        var tools = await _lists.GetAsync("acme", readOnly, CancellationToken.None);

        Assert.True(tools.Available, tools.Failure);
        Assert.Equal(["Bearer tickets-admin-credential", "Bearer tickets-readonly-credential"], _listedWith);
        Assert.Equal(2, Volatile.Read(ref _initializations));
    }

    // ManyToolCount tools, each with a 1 KiB description and a schema: about 100 KiB in all, under the default response limit.
    private static object[] ManyTools() =>
        [.. Enumerable.Range(0, ManyToolCount).Select(static i => new
        {
            name = "tool_" + i,
            description = new string('d', 1024),
            inputSchema = new { type = "object", properties = new { query = new { type = "string", description = "what to look for" } } },
        })];

    // One tool whose description is Description bytes long, written a chunk at a time (counted) until the gateway stops reading.
    private async Task WriteHugeListingAsync(HttpContext context, string mode, string id)
    {
        try
        {
            var sse = mode == "sse";
            context.Response.ContentType = sse ? "text/event-stream" : "application/json";
            var head = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"tools\":[{\"name\":\"huge\",\"inputSchema\":{\"type\":\"object\"},\"description\":\"";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes((sse ? "event: message\ndata: " : string.Empty) + head), context.RequestAborted);
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            for (var written = 0L; written < Description && !context.RequestAborted.IsCancellationRequested; written += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                Volatile.Write(ref _written, written + chunk.Length);

                // Once the gateway has gone, Kestrel completes writes at once without sending them, and cancels RequestAborted
                // on the thread pool: going through its queue lets that cancellation land before the loop counts on.
                await Task.Yield();
            }

            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("\"}]}}" + (sse ? "\n\n" : string.Empty)), context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The gateway stopped reading.
        }
    }
}
