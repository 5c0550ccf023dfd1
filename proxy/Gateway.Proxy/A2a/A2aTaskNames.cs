using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.A2a;

/// <summary>
/// The task a request names, read the way any A2A version or a lenient SDK could read it (docs/a2a.md): every member of
/// the object whose name, compared without case (as Go's <c>encoding/json</c> folds case: <c>ſ</c> is an s),
/// <c>_</c> or <c>-</c> (<see cref="A2aMemberNames.Fold"/>), is one of the names given (<see cref="TaskId"/>: <c>taskId</c>, <c>task_id</c>, …; <see cref="Id"/>
/// where the method names its task by <c>id</c>; <see cref="Name"/>: a resource name <c>tasks/{id}</c>). A non-null
/// value that is not a string (or a name not of the form <c>tasks/…</c>) is malformed; two that differ are refused
/// (<c>a2a_task_conflict</c>, recorded under the agent's entry): the gateway checks the task the remote acts on, never
/// another.
/// </summary>
internal static class A2aTaskNames
{
    /// <summary>A member naming the task by its id: <c>taskId</c>, <c>task_id</c>, <c>TaskID</c>, <c>task-id</c>, ….</summary>
    public const string TaskId = "TASKID";

    /// <summary>A member <c>id</c>: the task's id where the method names its task by <c>id</c> (a task operation, 0.3's push configuration).</summary>
    public const string Id = "ID";

    /// <summary>A message's member naming its context: <c>contextId</c>, <c>context_id</c>, ….</summary>
    public const string ContextId = "CONTEXTID";

    /// <summary>A member <c>name</c> naming a resource of the task, <c>tasks/{id}/…</c> (a push configuration's, in its gRPC form): the task is its first segment.</summary>
    public const string NameOfTaskResource = "NAME/";

    /// <summary>A member <c>parent</c> naming the task a resource belongs to, <c>tasks/{id}</c> (a push configuration's listing or creation, in its gRPC form).</summary>
    public const string ParentTask = "PARENT/";

    /// <summary>A member <c>name</c>: the task's resource name, <c>tasks/{id}</c>.</summary>
    public const string Name = "NAME";

    private const string ResourcePrefix = "tasks/";

    // A message's tasks referred to for context: referenceTaskIds, reference_task_ids, ….
    private const string ReferenceTaskIds = "REFERENCETASKIDS";

    /// <summary>
    /// The task the members <paramref name="names"/> of <paramref name="holder"/> (<paramref name="where"/>, for the
    /// detail) name: null when none does; or the refusal, recorded under <paramref name="auditTool"/> when they differ.
    /// </summary>
    public static (string? Task, Refusal? Refused) Of(string auditTool, JsonElement holder, string where, params ReadOnlySpan<string> names)
    {
        if (holder.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        string? task = null;
        string? first = null;
        foreach (var member in holder.EnumerateObject())
        {
            var folded = A2aMemberNames.Fold(member.Name);
            var ofResource = names.Contains(folded + "/");
            if ((!ofResource && !names.Contains(folded)) || member.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var value = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : null;
            if ((folded == Name || ofResource) && value is not null)
            {
                value = value.StartsWith(ResourcePrefix, StringComparison.Ordinal) ? value[ResourcePrefix.Length..] : null;
                if (ofResource && value?.IndexOf('/', StringComparison.Ordinal) is { } slash and >= 0)
                {
                    value = value[..slash];
                }
            }

            if (value is null)
            {
                return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, folded == Name || ofResource
                    ? $"{where}.{RefusalText.Truncate(member.Name)} must be a task's name (\"tasks/{{id}}\")."
                    : $"{where}.{RefusalText.Truncate(member.Name)} must be a string (an id).") { JsonRpcCode = A2aRequestReader.InvalidParams });
            }

            if (task is not null && !string.Equals(task, value, StringComparison.Ordinal))
            {
                return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.A2aTaskConflict,
                    $"{where}.{RefusalText.Truncate(first!)} and {where}.{RefusalText.Truncate(member.Name)} differ; name it once, or the same in each. Nothing was forwarded.")
                {
                    AuditTool = auditTool,
                    JsonRpcCode = A2aRequestReader.InvalidParams,
                });
            }

            task = value;
            first ??= member.Name;
        }

        return (task, null);
    }

    /// <summary>The message a request's described arguments send (<c>params.message</c>); undefined for a task operation.</summary>
    public static JsonElement MessageOf(JsonElement args) =>
        args.ValueKind == JsonValueKind.Object && args.TryGetProperty(A2aSkillConnectorType.ParamsMember, out var parameters)
            && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("message", out var message)
                ? message
                : default;

    /// <summary>
    /// The task a request names: a task operation's <c>task_id</c> (as the reader read it), or the task the message it
    /// sends (<paramref name="message"/>) continues, read as the reader checked it (<c>taskId</c>, <c>task_id</c>, … alike).
    /// </summary>
    public static (string? TaskId, Refusal? Refused) ActedOn(string agent, JsonElement args, JsonElement message) =>
        args.ValueKind == JsonValueKind.Object && args.TryGetProperty("task_id", out var taskId) && taskId.ValueKind == JsonValueKind.String
            ? (taskId.GetString(), null)
            : Of(agent, message, "params.message", TaskId);

    /// <summary>
    /// The tasks a message refers to for context (<c>referenceTaskIds</c>, in any spelling <see cref="Of"/> folds), each of
    /// which the caller must own as it must a task it continues; or why they cannot be read (a list of strings, or null).
    /// </summary>
    public static (IReadOnlyList<string> Tasks, Refusal? Refused) ReferencedBy(JsonElement message)
    {
        List<string> tasks = [];
        if (message.ValueKind != JsonValueKind.Object)
        {
            return (tasks, null);
        }

        foreach (var member in message.EnumerateObject())
        {
            if (A2aMemberNames.Fold(member.Name) != ReferenceTaskIds || member.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (member.Value.ValueKind != JsonValueKind.Array || member.Value.EnumerateArray().Any(static t => t.ValueKind != JsonValueKind.String))
            {
                return (tasks, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                    $"params.message.{RefusalText.Truncate(member.Name)} must be a list of task ids (strings).") { JsonRpcCode = A2aRequestReader.InvalidParams });
            }

            tasks.AddRange(member.Value.EnumerateArray().Select(static t => t.GetString()!));
        }

        return (tasks, null);
    }
}
