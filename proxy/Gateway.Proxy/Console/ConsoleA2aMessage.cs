using System.Text;
using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// A held message to a remote agent (an approval whose tool is an <c>a2a_skill</c> entry, docs/a2a.md), as a person
/// reads it: which remote agent (its catalog name, description and address), which skill, the message's text and data
/// parts, the A2A method, and the task it continues, from the arguments the approval keeps (redacted before they were
/// stored).
/// </summary>
internal sealed record ConsoleA2aMessage
{
    /// <summary>The longest message text the page's one sentence quotes.</summary>
    private const int QuotedChars = 120;

    /// <summary>The remote agent's catalog name (the <c>a2a</c> entry).</summary>
    public required string RemoteAgent { get; init; }

    public string? Description { get; init; }

    /// <summary>The remote agent's JSON-RPC endpoint, as the catalog has it.</summary>
    public Uri? Address { get; init; }

    public required string Skill { get; init; }

    /// <summary>The message's text parts, joined; null when the approval kept no readable arguments.</summary>
    public string? Text { get; init; }

    /// <summary>How many data parts the message has.</summary>
    public int DataParts { get; init; }

    public string? Method { get; init; }

    /// <summary>The remote task the message continues, when it continues one.</summary>
    public string? TaskId { get; init; }

    /// <summary>The message, when <paramref name="request"/>'s tool is a remote agent's skill; null otherwise.</summary>
    public static ConsoleA2aMessage? Of(ApprovalRequest request, CatalogEntry? tool, TenantPolicy? tenant)
    {
        if (tool is not { Kind: ConnectorKind.A2aSkill, Connector: { } agentName })
        {
            return null;
        }

        CatalogEntry? agent = null;
        tenant?.TryGetCatalogEntry(agentName, out agent);
        var message = new ConsoleA2aMessage { RemoteAgent = agentName, Description = agent?.Description, Address = agent?.Upstream, Skill = tool.A2aSkill ?? tool.Name };
        if (request.Arguments is not { } text || request.ArgumentsTruncated)
        {
            return message;
        }

        using var parsed = JsonDocument.Parse(text);
        var args = parsed.RootElement;
        // The task as the gateway checked and forwarded it: taskId, task_id, TaskID, … alike (A2aTaskNames).
        var (task, _) = A2aTaskNames.Of(request.Tool, A2aTaskNames.MessageOf(args), "params.message", A2aTaskNames.TaskId);
        return message with
        {
            Text = ConsoleApprovalView.Text(args, "text"),
            DataParts = args.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array ? data.GetArrayLength() : 0,
            Method = ConsoleApprovalView.Text(args, "a2a_method"),
            TaskId = task,
        };
    }

    /// <summary>The action in words: "send remote agent helper (skill wire) the message “Pay invoice 7”".</summary>
    public string Action()
    {
        var action = new StringBuilder("send remote agent ").Append(RemoteAgent).Append(" (skill ").Append(Skill).Append(") ");
        if (Text is { Length: > 0 } text)
        {
            action.Append("the message “").Append(text.Length > QuotedChars ? text[..QuotedChars] + "…" : text).Append('”');
        }
        else
        {
            action.Append(DataParts > 0 ? "a message of data parts" : "a message");
        }

        return action.Append(TaskId is null ? string.Empty : " on its task " + TaskId).ToString();
    }

    /// <summary><see cref="Action"/> as HTML: the message's text and the task the agent sent each their own element (<see cref="ConsoleHtml.AgentValue"/>).</summary>
    public string ActionHtml()
    {
        var action = new StringBuilder(E("send remote agent " + RemoteAgent + " (skill " + Skill + ") "));
        if (Text is { Length: > 0 } text)
        {
            action.Append("the message ").Append(E("“")).Append(AgentValue(text, QuotedChars)).Append(E("”"));
        }
        else
        {
            action.Append(DataParts > 0 ? "a message of data parts" : "a message");
        }

        return action.Append(TaskId is null ? string.Empty : " on its task " + AgentValue(TaskId, QuotedChars)).ToString();
    }

    /// <summary>The page's section: who the message goes to, through which skill, and the message itself.</summary>
    public string Section()
    {
        var html = new StringBuilder("<h2>Message to a remote agent</h2><dl id=\"a2a-message\" class=\"facts\"><dt>Remote agent</dt><dd><code>")
            .Append(E(RemoteAgent)).Append("</code>").Append(Description is null ? string.Empty : ": " + E(Description))
            .Append(Address is null ? string.Empty : " (<code>" + E(Address.GetLeftPart(UriPartial.Path)) + "</code>)")
            .Append("</dd><dt>Skill</dt><dd><code>").Append(E(Skill)).Append("</code></dd>");
        if (Method is not null)
        {
            html.Append("<dt>A2A method</dt><dd><code>").Append(E(Method)).Append("</code></dd>");
        }

        if (TaskId is not null)
        {
            html.Append("<dt>Continues task</dt><dd><code>").Append(E(TaskId)).Append("</code></dd>");
        }

        html.Append("<dt>Message</dt><dd>").Append(Text is { Length: > 0 } text
            ? "<pre id=\"a2a-text\" class=\"wrap\">" + E(text) + "</pre>"
            : Text is null ? "(not kept whole: see the raw arguments below)" : "(no text)");
        if (DataParts > 0)
        {
            html.Append("<p>and ").Append(DataParts).Append(DataParts == 1 ? " data part" : " data parts").Append(" (in the arguments below)</p>");
        }

        return html.Append("</dd></dl><p>Nothing has been sent to the remote agent. Once approved, the agent sends this same message again with the approval's warrant.</p>").ToString();
    }
}
