using System.Text.Json;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Sessions across replicas: a session's initialize handshake and its agent are kept in the state store under the
/// session id (for the idle timeout), and a replica that receives a session id it does not know continues that
/// session from the store, for the same agent only. The chart's replicas need no sticky sessions.
/// </summary>
internal sealed class McpSessionMigration : ISessionMigrationHandler
{
    private readonly IStateStore _store;
    private readonly TimeSpan _lifetime;

    public McpSessionMigration(IStateStore store, IOptions<McpEndpointOptions> options)
    {
        _store = store;
        _lifetime = options.Value.IdleTimeout;
    }

    public async ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken)
    {
        var identity = IdentityOf(context) ?? throw new InvalidOperationException("An MCP session was initialized without an authenticated agent.");
        // The person the session acts for: the one the destination admitted and serves the MCP server's endpoint as.
        var person = (context.User as McpServedCaller)?.Admitted.Person;
        var record = new SessionRecord(identity.Agent, JsonSerializer.SerializeToElement(initializeParams, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeRequestParams))))
        {
            PersonIssuer = person?.Issuer,
            PersonSubject = person?.Subject,
        };
        await record.StoreAsync(_store, identity.Tenant, sessionId, _lifetime, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken)
    {
        if (IdentityOf(context) is not { } identity || sessionId.Length > 256)
        {
            return null;
        }

        if (await SessionRecord.FindAsync(_store, identity.Tenant, identity.Agent, sessionId, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            // Unknown, expired, or another agent's session: the client starts a new one.
            return null;
        }

        return (InitializeRequestParams?)record.Initialize.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeRequestParams)));
    }

    private static AgentIdentity? IdentityOf(HttpContext context) =>
        context.Features.Get<GatewayRequestFeature>()?.Find<AuthenticatedRequest>()?.Identity;
}
