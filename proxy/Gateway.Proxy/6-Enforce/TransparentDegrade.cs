using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// A degrade on the transparent route, where the agent's own request is forwarded: under <c>read_only</c> a write verb is
/// refused, and so is a <c>tools/call</c> of an <c>mcp_tool</c>, or an <c>http</c> operation bound to a read verb, whose
/// action type does not read (sent through its server's route it acts as much as the governed envelope, which refuses it too); under <c>dry_run</c> an argument that names a
/// dry run itself (<c>dry_run=false</c> in the query or the body, in any spelling) is refused, since an upstream that
/// reads it rather than the gateway's <c>X-Gamut-Dry-Run</c> would act. Both checks are the transparent route's alone (a
/// call with no provider operation returns before them): where the gateway builds the call itself (<c>/mcp</c>,
/// <c>/v1/actions/invoke-tool</c>, an <c>mcp_tool</c>'s <c>tools/call</c> included), the kind's envelope checks both. On every route, a degrade form the entry's kind cannot carry out (<c>route</c> on anything but a
/// model) is refused: the call would otherwise go in full.
/// </summary>
internal static class TransparentDegrade
{
    /// <summary>The refusal, or null when the call may go in this form.</summary>
    public static Refusal? Refuse(DescribedAction described, CatalogEntry entry, DegradeSpec? degrade)
    {
        if (degrade is not null && !entry.Type().Applies(degrade.Mode))
        {
            return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                $"The action is degraded to {WireNames.Of(degrade.Mode)}, which '{entry.Name}' (kind {WireNames.Of(entry.Kind)}) cannot carry out; nothing was forwarded.");
        }

        if (described.Operation is not { } operation)
        {
            return null;
        }

        if (degrade?.Mode == DegradeMode.DryRun && NamesADryRun(described.Request.Args) is { } named)
        {
            return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                $"The action is degraded to dry_run; the argument '{RefusalText.Truncate(named)}' would set the dry run itself.");
        }

        if (degrade?.Mode != DegradeMode.ReadOnly)
        {
            return null;
        }

        if (operation.Writes)
        {
            return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, "The action is degraded to read-only: only GET, HEAD and OPTIONS are let through.");
        }

        // Whatever its verb, an entry whose action type does not read acts as one (a GET that purges, an MCP tool that writes).
        return entry is { Kind: ConnectorKind.McpTool or ConnectorKind.Http, ActionType: not (ActionType.Read or ActionType.Context) }
            ? new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                $"The action is degraded to read-only: '{entry.Name}' is a {WireNames.Of(entry.ActionType)} action, and only actions that read are carried out.")
            : null;
    }

    // The first argument that names a dry run (OverridingArgumentNames), as the envelopes read it.
    private static string? NamesADryRun(JsonElement args) =>
        args.ValueKind == JsonValueKind.Object
            ? args.EnumerateObject().Select(static p => p.Name).FirstOrDefault(OverridingArgumentNames.NamesADryRun)
            : null;
}
