using System.Collections.Concurrent;
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
/// While a bundle reload that changes a server's credential is under way, calls decided on the old bundle and on the new
/// one run side by side: the session of the binding in force is opened once and kept, and an old-bundle call fails closed
/// rather than open a session with the old credential again, however many reloads since; a later bundle that brings the
/// old credential back into force opens it again.
/// </summary>
public sealed class McpServerToolListsBindingTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["TICKETS_ADMIN"] = "tickets-admin-credential",
        ["TICKETS_READONLY"] = "tickets-readonly-credential",
    };

    private readonly McpServerToolLists _lists;
    private readonly ConcurrentQueue<string> _initializedWith = new();
    private KestrelUpstream _server = null!;
    private int _initializations;

    // The server as the policy in force defines it (what PolicyProvider.Current gives in the gateway).
    private CatalogEntry? _inForce;

    public McpServerToolListsBindingTests() =>
        _lists = new(new CredentialResolver(null, environment: static name => Variables.GetValueOrDefault(name)), TimeProvider.System, NullLoggerFactory.Instance,
            inForce: (tenant, server) => tenant == "acme" && Volatile.Read(ref _inForce) is { } entry && entry.Name == server ? entry : null);

    public async Task InitializeAsync() =>
        _server = await KestrelUpstream.StartAsync(app => app.MapPost("/mcp", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var message = document.RootElement;
            if (message.GetProperty("method").GetString() != "initialize")
            {
                return HttpResults.StatusCode(202);
            }

            _initializedWith.Enqueue(context.Request.Headers.Authorization.ToString());
            context.Response.Headers["Mcp-Session-Id"] = "session-" + Interlocked.Increment(ref _initializations);
            return HttpResults.Json(new
            {
                jsonrpc = "2.0",
                id = message.GetProperty("id").Clone(),
                result = new { protocolVersion = "2025-06-18", capabilities = new { tools = new { } }, serverInfo = new { name = "tickets", version = "1" } },
            });
        }));

    public async Task DisposeAsync()
    {
        await _lists.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SessionAsync_OldAndNewBundleCallsInterleave_NewSessionKeptAndOldCallRefused()
    {
        var (admin, readOnly) = Servers();
        Apply(admin);
        var before = await TakeAsync(admin);

        // A new bundle gives the server its read-only credential; calls decided on the old one are still running.
        Apply(readOnly);
        var renewed = await TakeAsync(readOnly);
        var stale = await TakeAsync(admin);
        var again = await TakeAsync(readOnly);
        var listing = await _lists.GetAsync("acme", admin, CancellationToken.None);

        Assert.Equal(2, Volatile.Read(ref _initializations));
        Assert.Equal(["Bearer tickets-admin-credential", "Bearer tickets-readonly-credential"], _initializedWith);
        Assert.Equal("session-1", before);
        Assert.Equal("session-2", renewed);
        Assert.Equal(renewed, again);
        Assert.Equal("refused", stale);
        Assert.False(listing.Available);
    }

    [Fact]
    public async Task SessionAsync_StaleCallAfterUnrelatedReload_IsRefusedAndCurrentSessionKept()
    {
        var (admin, readOnly) = Servers();
        Apply(admin);
        Assert.Equal("session-1", await TakeAsync(admin));
        Apply(readOnly);
        Assert.Equal("session-2", await TakeAsync(readOnly));

        // A reload that leaves the read-only credential in force (an agent's secret file changed); a call decided on the
        // first bundle only now asks for its session: the admin credential is not sent again, the read-only session stays.
        Apply(readOnly with { });
        var stale = await TakeAsync(admin);
        var current = await TakeAsync(readOnly);

        Assert.Equal("refused", stale);
        Assert.Equal("session-2", current);
        Assert.Equal(2, Volatile.Read(ref _initializations));
        Assert.Equal(["Bearer tickets-admin-credential", "Bearer tickets-readonly-credential"], _initializedWith);
    }

    [Fact]
    public async Task SessionAsync_LaterBundleBringsTheOldCredentialBack_OpensItAgainAndRefusesTheOther()
    {
        var (admin, readOnly) = Servers();
        Apply(admin);
        Assert.Equal("session-1", await TakeAsync(admin));
        Apply(readOnly);
        Assert.Equal("session-2", await TakeAsync(readOnly));

        // A third bundle restores the admin credential: it is in force again, and the read-only one is refused.
        Apply(admin with { });
        var restored = await TakeAsync(admin);
        var stale = await TakeAsync(readOnly);

        Assert.Equal("session-3", restored);
        Assert.Equal("refused", stale);
        Assert.Equal(3, Volatile.Read(ref _initializations));
        Assert.Equal("session-3", await TakeAsync(admin));
    }

    [Fact]
    public void CredentialBinding_SameEntryAskedAgain_IsBuiltOnce()
    {
        // Every session lookup and every check of the policy in force asks for the binding: one string per entry.
        var (admin, _) = Servers();
        var binding = McpToolListCache.CredentialBinding(admin);

        Assert.Same(binding, McpToolListCache.CredentialBinding(admin));
        Assert.Equal(binding, McpToolListCache.CredentialBinding(admin with { }));
    }

    private (CatalogEntry Admin, CatalogEntry ReadOnly) Servers()
    {
        var admin = new CatalogEntry
        {
            Name = "tickets-mcp",
            Kind = ConnectorKind.Mcp,
            ActionType = ActionType.Read,
            Upstream = _server.At("mcp"),
            Credential = SecretReference.TryParse("env:TICKETS_ADMIN", null, out var reference) ? reference : null,
        };
        return (admin, admin with { Credential = SecretReference.TryParse("env:TICKETS_READONLY", null, out var other) ? other : null });
    }

    // A bundle applied: the listings invalidated first (PolicyProvider.Applying), then its definition of the server in force.
    private void Apply(CatalogEntry server)
    {
        _lists.Invalidate();
        Volatile.Write(ref _inForce, server);
    }

    // The session a governed call to the connector's upstream goes on, or "refused" when the call fails closed.
    private async Task<string?> TakeAsync(CatalogEntry server)
    {
        try
        {
            return await _lists.SessionAsync("acme", server, server.Upstream!, person: null, replacing: null, CancellationToken.None);
        }
        catch (HttpRequestException)
        {
            return "refused";
        }
    }
}
