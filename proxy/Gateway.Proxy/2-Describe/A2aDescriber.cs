using Gateway.Proxy.A2a;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for <c>POST /a2a/{connector}</c>: the connector must be an <c>a2a</c> entry of the tenant's catalog; refusals
/// from here on are JSON-RPC errors, under the request's id once it was read and under <c>null</c> before or when it
/// cannot be (a body that is not JSON: -32700; a batch, or no request: -32600); the request is read by
/// <see cref="A2aRequestReader"/>, every push-notification webhook it names checked as written (no name is resolved here: the
/// hosts it leaves to resolve, <see cref="DescribedAction.PushUrlsToResolve"/>, are resolved by Enforce once the request is
/// admitted and its decision recorded). A request naming a task (a read, a cancel, a push configuration, a message continuing it: <see cref="A2aTaskNames"/>) states whether the task is the caller's:
/// one that is not is refused once its decision is recorded (<see cref="DescribedAction.RefusedAtExecution"/>).
/// </summary>
internal sealed class A2aDescriber(PolicyProvider policy, A2aTaskOwners owners) : IRouteDescriber
{
    /// <summary>The route kind's name.</summary>
    public const string Kind = "A2a";

    /// <summary>The id of an answer to a request whose own id was not read (JSON-RPC 2.0: <c>null</c>).</summary>
    private const string NoId = "null";

    /// <summary>
    /// A request naming a task the caller did not open (<see cref="A2aTaskOwners"/>): answered as not found (A2A's
    /// TaskNotFoundError, -32001) once the decision is recorded, so it is that decision's outcome; nothing is forwarded.
    /// </summary>
    private static readonly Refusal TaskNotFound = new(StatusCodes.Status404NotFound, ProblemCodes.A2aTaskNotFound, "No task of this agent has that id on the remote agent; nothing was forwarded.")
    {
        JsonRpcCode = A2aRequestReader.TaskNotFound,
    };

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        feature.Dialect = RefusalDialect.JsonRpc;
        var tenant = policy.TenantOf(authenticated.Identity);
        if (tenant is null)
        {
            return BeforeReading(feature, authenticated, Refusal.PolicyUnavailable());
        }

        var name = context.GetRouteValue("connector") as string ?? string.Empty;
        if (!tenant.TryGetCatalogEntry(name, out var agent) || agent is not { Kind: ConnectorKind.A2a, Upstream: not null })
        {
            return BeforeReading(feature, authenticated, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector,
                $"No remote agent '{(name.Length <= 64 ? name : name[..64] + "…")}' (kind a2a) is in this tenant's catalog."));
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return BeforeReading(feature, authenticated, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "A compressed request body cannot be inspected; send it uncompressed."));
        }

        var read = A2aRequestReader.Read(tenant, agent, authenticated.Body);
        feature.JsonRpcId = read.Id ?? NoId;
        if (read.Request is not { } request)
        {
            return (null, read.Refusal);
        }

        var message = A2aTaskNames.MessageOf(request.Args);
        var (taskId, taskRefused) = A2aTaskNames.ActedOn(name, request.Args, message);
        var (referenced, referenceRefused) = A2aTaskNames.ReferencedBy(message);
        var (contextId, contextRefused) = A2aTaskNames.Of(name, message, "params.message", A2aTaskNames.ContextId);
        if ((taskRefused ?? referenceRefused ?? contextRefused) is { } refused)
        {
            return (null, refused);
        }

        // The task it acts on and every task it refers to must be the caller's, and its context no other agent's: another's
        // is not found. Read in one call with the flags of the task it acts on, which Enforce and Respond then need not read
        // or write again. A store that cannot say refuses it, recorded under the tool it names.
        var identity = authenticated.Identity;
        bool foreignTask;
        A2aTaskFlags? actedOn;
        try
        {
            (foreignTask, actedOn) = await owners.ReadAsync(identity.Tenant, name, identity.Agent, contextId, taskId, referenced, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            return (null, Refusal.StoreUnavailable() with { AuditTool = request.Tool });
        }

        return (new DescribedAction(tenant, request)
        {
            Body = read.Body,
            RemoteAgent = name,
            NamesPushWebhook = read.NamesPushWebhook,
            PushUrlsToResolve = read.PushUrls,
            RefusedAtExecution = foreignTask ? TaskNotFound : null,
            A2aTask = actedOn,
        }, null);
    }

    /// <summary>A refusal before the request is read: answered under its id when the body has one to read, else under null.</summary>
    private static (DescribedAction? Action, Refusal? Refusal) BeforeReading(GatewayRequestFeature feature, AuthenticatedRequest authenticated, Refusal refusal)
    {
        feature.JsonRpcId = A2aRequestReader.IdOf(authenticated.Body) ?? NoId;
        return (null, refusal);
    }
}
