using System.Text;
using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Policy;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// What a person needs to read an approval at a glance, drawn from the request, its explanation and the tenant's catalog
/// and register as loaded: the action in words with its key arguments (<see cref="ApprovalKeyArguments"/>, from the tool's
/// input schema; a message to a remote agent: <see cref="ConsoleA2aMessage"/>), the person the agent acts for, the run, why it was held, and a risk marker (the tool's risk tier and
/// data classes, the agent's ATF level, the controls that failed).
/// </summary>
internal sealed record ConsoleApprovalView
{
    public required ApprovalRequest Request { get; init; }

    public required ApprovalKeyArguments Key { get; init; }

    /// <summary>The tool's input schema as the catalog has it (null when the tool is not in the catalog).</summary>
    public string? InputSchema { get; init; }

    /// <summary>The verb of the action, from the tool's name (<c>payments.refund</c> → <c>refund</c>).</summary>
    public required string Verb { get; init; }

    public string? Person { get; init; }

    /// <summary>For a held message to a remote agent (an <c>a2a_skill</c> entry): the agent, the skill and the message.</summary>
    public ConsoleA2aMessage? A2a { get; init; }

    public string? Run { get; init; }

    public required string HeldBecause { get; init; }

    /// <summary>0 low, 1 medium, 2 high, 3 critical.</summary>
    public required int RiskRank { get; init; }

    /// <summary>The risk marker's words, e.g. "high · confidential · ATF L2".</summary>
    public required string Risk { get; init; }

    public int StillNeeded => Math.Max(0, Request.ApprovalsRequired - Request.Approvals.Count);

    public static string RiskWord(int rank) => rank switch { >= 3 => "critical", 2 => "high", 1 => "medium", _ => "low" };

    public static ConsoleApprovalView Of(ApprovalRequest request, TenantPolicy? tenant)
    {
        CatalogEntry? tool = null;
        tenant?.TryGetCatalogEntry(request.Tool, out tool);
        AgentRecord? agent = null;
        tenant?.TryGetAgent(request.Agent, out agent);
        var explanation = request.Explanation is { ValueKind: JsonValueKind.Object } e ? e : default;
        var hasExplanation = explanation.ValueKind == JsonValueKind.Object;

        var rank = tool is null ? 0 : (int)tool.RiskTier;
        var marker = new List<string>();
        if (tool is not null && tool.DataClasses != default)
        {
            marker.Add(tool.DataClasses.ToString().ToLowerInvariant());
        }

        if (agent?.AtfLevel is { } atf)
        {
            marker.Add("ATF " + atf);
        }

        var failing = new List<string>();
        if (hasExplanation && explanation.TryGetProperty("decision_path", out var path) && path.ValueKind == JsonValueKind.Array)
        {
            foreach (var control in path.EnumerateArray())
            {
                if (Text(control, "outcome") == "fail")
                {
                    failing.Add(Words(Text(control, "control") ?? "control"));
                    rank = Math.Max(rank, Text(control, "severity") switch { "critical" => 3, "high" => 2, "medium" => 1, _ => 0 });
                }
            }
        }

        if (failing.Count > 0)
        {
            marker.Add("fails " + string.Join(", ", failing));
        }

        marker.Insert(0, RiskWord(rank));
        var verb = request.Tool[(request.Tool.LastIndexOf('.') + 1)..];
        return new ConsoleApprovalView
        {
            Request = request,
            Key = ApprovalKeyArguments.Of(request.Arguments, tool?.InputSchema),
            InputSchema = tool?.InputSchema,
            Verb = Words(verb),
            A2a = ConsoleA2aMessage.Of(request, tool, tenant),
            Person = hasExplanation && explanation.TryGetProperty("person", out var person) && person.ValueKind == JsonValueKind.Object ? Text(person, "subject") : null,
            Run = hasExplanation ? Text(explanation, "run_id") : null,
            HeldBecause = HeldBecauseOf(explanation, hasExplanation),
            RiskRank = rank,
            Risk = string.Join(" · ", marker),
        };
    }

    /// <summary>How many characters of an agent's value the page's sentence, its heading and the inbox quote (the whole value is in the arguments table).</summary>
    public const int Quoted = 80;

    /// <summary>
    /// The action and its key arguments in words: "refund 25.00 EUR on order A-1795 to …" (or "25.00 (currency not
    /// given)"); each agent's value cut at <paramref name="max"/> characters (with <c>…</c>).
    /// </summary>
    public string Action(int max = int.MaxValue)
    {
        if (A2a is { } message)
        {
            return message.Action();
        }

        static string Cut(string value, int max) => value.Length > max ? value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)] + "…" : value;
        var text = new StringBuilder(Verb);
        if (Key.Amount is { } amount)
        {
            text.Append(' ').Append(amount).Append(Key.Currency is { } currency ? " " + Cut(currency, max) : " (currency not given)");
        }

        if (Key.Target is { } target)
        {
            text.Append(Key.Amount is null ? " " : " on ").Append(Words(Key.TargetName!)).Append(' ').Append(Cut(target, max));
        }

        if (Key.Recipient is { } recipient)
        {
            text.Append(" to ").Append(Cut(recipient, max));
        }

        return text.ToString();
    }

    /// <summary>
    /// <see cref="Action"/> as HTML: the gateway's words encoded, each agent's value its own element
    /// (<see cref="ConsoleHtml.AgentValue"/>: set apart, isolated, left to right, cut at <paramref name="max"/> characters).
    /// </summary>
    public string ActionHtml(int max = Quoted)
    {
        if (A2a is { } message)
        {
            return message.ActionHtml();
        }

        var html = new StringBuilder(E(Verb));
        if (Key.Amount is { } amount)
        {
            html.Append(' ').Append(E(amount)).Append(Key.Currency is { } currency ? " " + AgentValue(currency, max) : " (currency not given)");
        }

        if (Key.Target is { } target)
        {
            html.Append(Key.Amount is null ? " " : " on ").Append(E(Words(Key.TargetName!))).Append(' ').Append(AgentValue(target, max));
        }

        if (Key.Recipient is { } recipient)
        {
            html.Append(" to ").Append(AgentValue(recipient, max));
        }

        return html.ToString();
    }

    /// <summary>The page's one sentence: who asks for what, for whom, in which run, and why it was held.</summary>
    public string Sentence() =>
        Request.Agent + " asks to " + Action() + (Person is null ? string.Empty : ", acting for " + Person)
        + (Run is null ? string.Empty : ", for run " + Run) + "; held because " + HeldBecause + ".";

    /// <summary><see cref="Sentence"/> as HTML, each value an agent sent (<see cref="ActionHtml"/>, the run) its own element, cut at <see cref="Quoted"/> characters.</summary>
    public string SentenceHtml() =>
        E(Request.Agent) + " asks to " + ActionHtml() + (Person is null ? string.Empty : ", acting for " + E(Person))
        + (Run is null ? string.Empty : ", for run " + AgentValue(Run, Quoted)) + "; held because " + E(HeldBecause) + ".";

    public static string Words(string name) => name.Replace('_', ' ');

    private static string HeldBecauseOf(JsonElement explanation, bool hasExplanation)
    {
        if (hasExplanation && explanation.TryGetProperty("rule_triggers", out var triggers) && triggers.ValueKind == JsonValueKind.Array)
        {
            foreach (var trigger in triggers.EnumerateArray())
            {
                if (Text(trigger, "effect") == "require_approval")
                {
                    return Text(trigger, "message") ?? "rule " + Text(trigger, "rule") + " (" + Words(Text(trigger, "reason_code") ?? "approval") + ")";
                }
            }
        }

        if (hasExplanation && explanation.TryGetProperty("decision_path", out var path) && path.ValueKind == JsonValueKind.Array)
        {
            foreach (var control in path.EnumerateArray())
            {
                if (control.TryGetProperty("approval_required", out var required) && required.ValueKind == JsonValueKind.True)
                {
                    return Words(Text(control, "control") ?? "a control") + " requires a named approver"
                        + (Text(control, "missing_evidence") is { } missing ? " (" + missing + ")" : string.Empty);
                }
            }
        }

        return "the policy requires a named approver for this action";
    }

    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value.ToString()
            : null;
}
