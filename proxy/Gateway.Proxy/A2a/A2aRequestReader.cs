using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.A2a;

/// <summary>
/// Reads an A2A JSON-RPC request sent to <c>POST /a2a/{connector}</c> into the action it is (docs/a2a.md). A message
/// (<c>SendMessage</c>, A2A 1.0; <c>message/send</c>, 0.3) is an action on the <c>a2a_skill</c> entry of the skill it names
/// (<c>params.metadata["gamut.dev/skill"]</c> or the message's own metadata; the agent's only skill when it has one): its
/// text parts joined are the argument <c>text</c>, its data parts the argument <c>data</c>, and the request itself is
/// carried as <c>a2a_method</c> and <c>a2a</c> for the envelope. A task operation (get, cancel) is an action on the
/// <c>a2a</c> entry, whose task ownership Enforce checks; the streamed forms (<c>SendStreamingMessage</c>,
/// <c>SubscribeToTask</c>) are read as their unstreamed ones; a task listing is an action on the agent's entry, whose
/// answer Respond filters to the caller's tasks. A task's push-notification configuration (set, get, list, delete) is
/// a task operation on the agent's entry like a read. Every push-notification webhook the params carry, in any shape
/// (<see cref="A2aPushConfigs"/>: a message's configuration, a configuration set, camelCase or snake_case, nested or a
/// list), is checked by one rule (<see cref="A2aWebhookAddress"/>): one on an address that is not globally reachable, or
/// a configuration that cannot be read, is refused here unless the connector allows internal push; their host names are
/// resolved by Enforce, once the request is admitted and its decision recorded. Conflicting skill or warrant labels (params' and the message's metadata) are refused,
/// and so are members that name different tasks (<see cref="A2aTaskNames"/>: <c>taskId</c> and <c>task_id</c>, 0.3's
/// <c>id</c> and <c>taskId</c>, <c>id</c> and <c>name</c>): the task checked is the one the remote agent acts on.
/// The extended card is refused as unsupported (A2A's -32004).
/// </summary>
internal static class A2aRequestReader
{
    private static readonly string[] PartContents = ["text", "data", "file", "raw", "url"];

    /// <summary>The metadata key naming the skill a message is for.</summary>
    public const string SkillMetaKey = "gamut.dev/skill";

    /// <summary>The metadata key carrying an approval's warrant.</summary>
    public const string WarrantMetaKey = "gamut.dev/warrant";

    /// <summary>JSON-RPC's invalid params.</summary>
    public const int InvalidParams = -32602;

    /// <summary>A2A's TaskNotFoundError.</summary>
    public const int TaskNotFound = -32001;

    /// <summary>A2A's UnsupportedOperationError.</summary>
    public const int UnsupportedOperation = -32004;

    /// <summary>The most push-notification webhooks one request may name (each is resolved before it is forwarded).</summary>
    public const int MaxPushUrls = 4;

    /// <summary>
    /// The action, the JSON-RPC id (raw JSON) and the parsed body; or the refusal (with the id when one was read).
    /// <see cref="PushUrls"/>: the push-notification webhooks the request names, whose hosts Enforce resolves once the
    /// request is admitted and decided, before it is forwarded (<see cref="A2aWebhookAddress.ResolvedRefusalOfAsync"/>); empty when there is none or the connector allows
    /// internal push.
    /// </summary>
    public readonly record struct Result(ActionRequest? Request, Refusal? Refusal, string? Id, JsonElement Body)
    {
        public IReadOnlyList<string> PushUrls { get; init; } = [];

        /// <summary>The request names a push-notification webhook (checked or not): the remote agent sends the task there itself.</summary>
        public bool NamesPushWebhook { get; init; }
    }

    /// <summary>Reads <paramref name="body"/> for the remote agent <paramref name="agent"/> of <paramref name="tenant"/>.</summary>
    public static Result Read(TenantPolicy tenant, CatalogEntry agent, ReadOnlyMemory<byte> body)
    {
        JsonElement root;
        try
        {
            root = JsonText.ParseStrict(body.Span);
        }
        catch (JsonException)
        {
            return Refuse(null, ProblemCodes.MalformedBody, "The body is not valid JSON.", -32700);
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement)
            || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number)
            || !root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            return Refuse(IdOf(root), ProblemCodes.MalformedBody, root.ValueKind == JsonValueKind.Array
                ? "A2A requests are sent one at a time; a JSON-RPC batch is not accepted."
                : "An A2A request must be one JSON-RPC 2.0 request (\"jsonrpc\":\"2.0\") with an id.", -32600);
        }

        var id = idElement.GetRawText();
        var method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return Refuse(id, ProblemCodes.MalformedBody, "The request needs params (an object).", InvalidParams);
        }

        var read = A2aMethods.Of(method) switch
        {
            A2aOperation.SendMessage or A2aOperation.StreamMessage => ReadMessage(tenant, agent, id, method, parameters),
            A2aOperation.GetTask or A2aOperation.CancelTask or A2aOperation.SubscribeToTask => ReadTaskOperation(agent, id, method, parameters),
            A2aOperation.PushConfig => ReadPushConfig(agent, id, method, parameters),
            A2aOperation.ListTasks => new Result(new ActionRequest
            {
                Tool = agent.Name,
                Args = ToElement(new JsonObject
                {
                    ["list_tasks"] = true,
                    [A2aSkillConnectorType.MethodMember] = method,
                    [A2aSkillConnectorType.ParamsMember] = JsonNode.Parse(parameters.GetRawText()),
                }),
            }, null, id, default),
            A2aOperation.Unsupported => Refuse(id, ProblemCodes.A2aUnsupportedOperation,
                $"'{RefusalText.Truncate(method)}' is not governed by this gateway yet; only messages (sent or streamed), task reads, cancels, subscriptions and listings, and push-notification configurations are.", UnsupportedOperation),
            _ => Refuse(id, ProblemCodes.MalformedBody, $"'{RefusalText.Truncate(method)}' is not an A2A method.", -32601),
        };
        return read.Request is null ? read with { Body = root } : WithPushUrls(agent, read, method, parameters) with { Body = root };
    }

    /// <summary>
    /// <paramref name="read"/> with the webhooks its params carry (<see cref="A2aPushConfigs"/>), each checked as written
    /// (<see cref="A2aWebhookAddress.RefusalOf"/>); refused when one is refused or a configuration cannot be read.
    /// </summary>
    private static Result WithPushUrls(CatalogEntry agent, Result read, string method, JsonElement parameters)
    {
        var (urls, unreadable) = A2aPushConfigs.Read(parameters, isSet: method is "CreateTaskPushNotificationConfig" or "tasks/pushNotificationConfig/set");
        if (unreadable is not null)
        {
            return PushRefused(agent, read.Id, unreadable);
        }

        List<string> distinct = [.. urls.Distinct(StringComparer.Ordinal)];
        if (distinct.Count > MaxPushUrls)
        {
            // Each is resolved before forwarding (within its own timeout): a request does not get to hold Enforce for long.
            return PushRefused(agent, read.Id, $"A request names at most {MaxPushUrls} push-notification webhooks; this one names {distinct.Count}.");
        }

        foreach (var url in distinct)
        {
            if (A2aWebhookAddress.RefusalOf(url, agent.AllowInternalPush, agent.PushHosts) is { } refused)
            {
                return PushRefused(agent, read.Id, refused);
            }
        }

        return (agent.AllowInternalPush ? read : read with { PushUrls = distinct }) with { NamesPushWebhook = distinct.Count > 0 };
    }

    /// <summary>The JSON-RPC id (raw JSON) of <paramref name="body"/>, when it is a JSON object with a string or number id.</summary>
    public static string? IdOf(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JsonText.RequestBodyDepth });
            return IdOf(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? IdOf(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number ? id.GetRawText() : null;

    private static Result ReadMessage(TenantPolicy tenant, CatalogEntry agent, string id, string method, JsonElement parameters)
    {
        if (A2aMemberNames.MisspelledInMessage(parameters) is { } misspelled)
        {
            return Refuse(id, ProblemCodes.MalformedBody, misspelled, InvalidParams);
        }

        if (!parameters.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return Refuse(id, ProblemCodes.MalformedBody, "A message needs params.message with its parts.", InvalidParams);
        }

        var (warrant, warrantRefused) = Meta(agent, parameters, message, WarrantMetaKey);
        var (skillName, skillRefused) = Meta(agent, parameters, message, SkillMetaKey);
        if ((skillRefused ?? warrantRefused) is { } metaRefused)
        {
            return new Result(null, metaRefused, id, default);
        }

        // The task it continues: Describe checks it is the caller's (with this helper); spellings that differ are refused.
        if (A2aTaskNames.Of(agent.Name, message, "params.message", A2aTaskNames.TaskId).Refused is { } taskRefused)
        {
            return new Result(null, taskRefused, id, default);
        }

        var skills = tenant.Catalog.Where(e => e.Kind == ConnectorKind.A2aSkill && e.Connector == agent.Name).ToList();
        var skill = skillName is null
            ? skills.Count == 1 ? skills[0] : null
            : skills.FirstOrDefault(e => e.A2aSkill == skillName);
        if (skill is null)
        {
            return new Result(null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.A2aUnknownSkill, skillName is null
                ? $"Name the skill of '{agent.Name}' the message is for in metadata[\"{SkillMetaKey}\"]; the agent has {skills.Count} skills in the catalog."
                : $"'{RefusalText.Truncate(skillName)}' is not a skill of '{agent.Name}' in this tenant's catalog.") { AuditTool = agent.Name, JsonRpcCode = InvalidParams }, id, default);
        }

        var text = new StringBuilder();
        var data = new JsonArray();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object)
            {
                return Refuse(id, ProblemCodes.MalformedBody, "Each part of a message must be an object.", InvalidParams);
            }

            if (PartRefusal(part) is { } partRefused)
            {
                return Refuse(id, ProblemCodes.MalformedBody, partRefused, InvalidParams);
            }

            if (part.TryGetProperty("text", out var t))
            {
                text.Append(text.Length == 0 ? string.Empty : "\n").Append(t.GetString());
            }
            else if (part.TryGetProperty("data", out var d))
            {
                data.Add(JsonNode.Parse(d.GetRawText()));
            }
        }

        var args = new JsonObject
        {
            ["skill"] = skill.A2aSkill,
            ["text"] = text.ToString(),
            ["data"] = data,
            [A2aSkillConnectorType.MethodMember] = method,
            [A2aSkillConnectorType.ParamsMember] = WithoutWarrant(parameters),
        };
        return new Result(new ActionRequest { Tool = skill.Name, Args = ToElement(args), Warrant = warrant }, null, id, default);
    }

    /// <summary>
    /// A task read, cancel or subscription: an action on the agent's entry, the task's id its argument <c>task_id</c>:
    /// <c>params.id</c>, or the name <c>tasks/{id}</c>; given both (or a <c>taskId</c> too), they must agree.
    /// </summary>
    private static Result ReadTaskOperation(CatalogEntry agent, string id, string method, JsonElement parameters)
    {
        var (taskId, refused) = A2aTaskNames.Of(agent.Name, parameters, "params", A2aTaskNames.Id, A2aTaskNames.Name, A2aTaskNames.TaskId);
        if (refused is not null)
        {
            return new Result(null, refused, id, default);
        }

        if (string.IsNullOrEmpty(taskId))
        {
            return Refuse(id, ProblemCodes.MalformedBody, "A task operation needs params.id.", InvalidParams);
        }

        var args = new JsonObject
        {
            ["task_id"] = taskId,
            [A2aSkillConnectorType.MethodMember] = method,
            [A2aSkillConnectorType.ParamsMember] = JsonNode.Parse(parameters.GetRawText()),
        };
        return new Result(new ActionRequest { Tool = agent.Name, Args = ToElement(args) }, null, id, default);
    }

    /// <summary>
    /// A task's push-notification configuration: an action on the agent's entry naming the task (<c>task_id</c>: 1.0's
    /// <c>taskId</c>, whose <c>id</c> is the configuration's; 0.3's <c>id</c>, or set's <c>taskId</c>, which must agree
    /// when both are given, as must a gRPC-form <c>name</c> (<c>tasks/{id}/…</c>) or <c>parent</c> (<c>tasks/{id}</c>)),
    /// whose ownership Enforce checks like a read's; the webhooks of a configuration set checked
    /// as every request's are (<see cref="WithPushUrls"/>).
    /// </summary>
    private static Result ReadPushConfig(CatalogEntry agent, string id, string method, JsonElement parameters)
    {
        var (taskId, refused) = A2aMethods.IsVersion03(method)
            ? A2aTaskNames.Of(agent.Name, parameters, "params", A2aTaskNames.Id, A2aTaskNames.TaskId, A2aTaskNames.NameOfTaskResource, A2aTaskNames.ParentTask)
            : A2aTaskNames.Of(agent.Name, parameters, "params", A2aTaskNames.TaskId, A2aTaskNames.NameOfTaskResource, A2aTaskNames.ParentTask);
        if (refused is not null)
        {
            return new Result(null, refused, id, default);
        }

        if (string.IsNullOrEmpty(taskId))
        {
            return Refuse(id, ProblemCodes.MalformedBody, "A push-notification configuration names its task (params.taskId, or 0.3's params.id).", InvalidParams);
        }

        var args = new JsonObject
        {
            ["task_id"] = taskId,
            ["push_config"] = true,
            [A2aSkillConnectorType.MethodMember] = method,
            [A2aSkillConnectorType.ParamsMember] = JsonNode.Parse(parameters.GetRawText()),
        };
        return new Result(new ActionRequest { Tool = agent.Name, Args = ToElement(args) }, null, id, default);
    }

    // A part holds one content (0.3's text, data or file; 1.0's text, data, raw or url) and a kind, where given, names it:
    // a receiving agent reads a part by its kind or its one content, so a part decided on one content and acted on by
    // another is refused.
    private static string? PartRefusal(JsonElement part)
    {
        string? content = null;
        foreach (var member in PartContents)
        {
            if (!part.TryGetProperty(member, out _))
            {
                continue;
            }

            if (content is not null)
            {
                return $"A part holds one content; this one holds both '{content}' and '{member}'.";
            }

            content = member;
        }

        if (content == "text" && part.GetProperty("text").ValueKind != JsonValueKind.String)
        {
            return "A text part's text must be a string.";
        }

        if (part.TryGetProperty("kind", out var kind)
            && (kind.ValueKind != JsonValueKind.String || kind.GetString() != (content is "raw" or "url" ? "file" : content)))
        {
            return $"A part's kind must name the content it holds ({content ?? "none"}).";
        }

        return null;
    }

    /// <summary>
    /// The label <paramref name="key"/> of params' and the message's metadata: one string, given in either or in both
    /// alike; a label that is not a string is malformed, and two that differ are refused (<c>a2a_metadata_conflict</c>):
    /// the message is decided as one skill and forwarded as no other.
    /// </summary>
    private static (string? Value, Refusal? Refused) Meta(CatalogEntry agent, JsonElement parameters, JsonElement message, string key)
    {
        string? value = null;
        foreach (var holder in (ReadOnlySpan<JsonElement>)[parameters, message])
        {
            if (holder.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty(key, out var found))
            {
                if (found.ValueKind != JsonValueKind.String)
                {
                    return (null, Refuse(null, ProblemCodes.MalformedBody, $"metadata[\"{key}\"] must be a string.", InvalidParams).Refusal);
                }

                if (value is not null && !string.Equals(value, found.GetString(), StringComparison.Ordinal))
                {
                    return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.A2aMetadataConflict,
                        $"params.metadata[\"{key}\"] and params.message.metadata[\"{key}\"] differ; give it once, or the same in both.") { AuditTool = agent.Name, JsonRpcCode = InvalidParams });
                }

                value = found.GetString();
            }
        }

        return (value, null);
    }

    /// <summary>
    /// The params as the remote agent receives them and the approval's digest covers them: the warrant left out (it is
    /// the gateway's, never the remote agent's, and the approved message did not carry it).
    /// </summary>
    private static JsonNode WithoutWarrant(JsonElement parameters)
    {
        var copy = JsonNode.Parse(parameters.GetRawText())!.AsObject();
        (copy["metadata"] as JsonObject)?.Remove(WarrantMetaKey);
        (copy["message"]?["metadata"] as JsonObject)?.Remove(WarrantMetaKey);
        return copy;
    }

    private static JsonElement ToElement(JsonObject args)
    {
        using var document = JsonDocument.Parse(args.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>A push-notification webhook refused as written (or unreadable), recorded under the agent's entry.</summary>
    public static Result PushRefused(CatalogEntry agent, string? id, string detail) =>
        new(null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.A2aPushUrlRefused, detail) { AuditTool = agent.Name, JsonRpcCode = InvalidParams }, id, default);

    private static Result Refuse(string? id, string code, string detail, int jsonRpcCode) =>
        new(null, new Refusal(StatusCodes.Status400BadRequest, code, detail) { JsonRpcCode = jsonRpcCode }, id, default);
}
