using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// Enforce's check of an A2A request that names a task (a task read or cancel, or a message continuing a task): the task
/// must have been opened by the calling agent (<see cref="A2aTaskOwners"/>); else it is refused as not found (A2A's
/// TaskNotFoundError, -32001) and nothing is forwarded. Runs after the decision is recorded, so the refusal is its outcome.
/// </summary>
internal static class A2aTaskOwnershipCheck
{
    /// <summary>The refusal, or null when the request names no task or the caller's own.</summary>
    public static async ValueTask<Refusal?> RefusalOfAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var described = feature.Get<DescribedAction>();
        if (described.Route != GatewayRouteKind.A2a || TaskIdOf(described.Request.Args) is not { } taskId)
        {
            return null;
        }

        var identity = feature.Get<Admission>().Identity!;
        var connector = context.GetRouteValue("connector") as string ?? string.Empty;
        var owners = context.RequestServices.GetRequiredService<A2aTaskOwners>();
        return await owners.IsOwnerAsync(identity.Tenant, connector, taskId, identity.Agent, context.RequestAborted).ConfigureAwait(false)
            ? null
            : new Refusal(StatusCodes.Status404NotFound, ProblemCodes.A2aTaskNotFound, "No task of this agent has that id on the remote agent; nothing was forwarded.")
            {
                JsonRpcCode = A2aRequestReader.TaskNotFound,
            };
    }

    /// <summary>The task a request names: a task operation's <c>task_id</c>, or the <c>taskId</c> of the message it sends.</summary>
    private static string? TaskIdOf(JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (args.TryGetProperty("task_id", out var taskId) && taskId.ValueKind == JsonValueKind.String)
        {
            return taskId.GetString();
        }

        return args.TryGetProperty(A2aSkillConnectorType.ParamsMember, out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("taskId", out var continued) && continued.ValueKind == JsonValueKind.String
                ? continued.GetString()
                : null;
    }
}
