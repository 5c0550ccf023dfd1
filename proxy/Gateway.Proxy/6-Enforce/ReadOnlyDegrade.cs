using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// The <c>read_only</c> degrade on the transparent route: a write verb is refused, and so is a <c>tools/call</c> of an
/// <c>mcp_tool</c> whose action type does not read (sent through its server's route it writes as much as the governed
/// envelope, which refuses it too). The governed envelopes check it when their kind builds them.
/// </summary>
internal static class ReadOnlyDegrade
{
    /// <summary>The refusal, or null when the call may go in this form.</summary>
    public static Refusal? Refuse(DescribedAction described, CatalogEntry entry, DegradeSpec? degrade)
    {
        if (degrade?.Mode != DegradeMode.ReadOnly || described.Operation is not { } operation)
        {
            return null;
        }

        if (operation.Writes)
        {
            return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, "The action is degraded to read-only: only GET, HEAD and OPTIONS are let through.");
        }

        return entry is { Kind: ConnectorKind.McpTool, ActionType: not (ActionType.Read or ActionType.Context) }
            ? new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                $"The action is degraded to read-only: '{entry.Name}' is a {WireNames.Of(entry.ActionType)} tool, and only tools that read are called.")
            : null;
    }
}
