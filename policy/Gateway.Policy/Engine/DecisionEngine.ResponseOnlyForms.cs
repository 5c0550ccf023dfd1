namespace Gateway.Policy;

/// <summary>A response-only degrade form (<c>redact</c>, <c>mask</c>) on a mutating action blocks: it would forward the action whole.</summary>
public sealed partial class DecisionEngine
{
    /// <summary>True when <paramref name="form"/> redacts only the response and the action mutates (§1's high-impact action types).</summary>
    // A context store's writeback is the exception: the connector writes its name and content redacted.
    private static bool ReducesOnlyTheResponse(DegradeMode form, ActionDescriptor descriptor) =>
        form is DegradeMode.Redact or DegradeMode.Mask
        && descriptor.ActionType is ActionType.Write or ActionType.Delete or ActionType.External or ActionType.Financial or ActionType.CodeModification
        && descriptor.Entry.Kind != ConnectorKind.Context;

    /// <summary>Records the block: the rule (or <c>default_verdict</c>, or the controls) whose form it is, and what would change it.</summary>
    private static void RefuseResponseOnlyForm(ref EvaluationState state, ActionDescriptor descriptor, DegradeMode form, string? degradedBy)
    {
        var action = $"the {WireNames.Of(descriptor.ActionType)} action '{descriptor.Tool}'";
        var (source, remedy) = degradedBy switch
        {
            null => ($"the controls degrade to catalog entry '{descriptor.Tool}''s form {WireNames.Of(form)}",
                $"give catalog entry '{descriptor.Tool}' a degrade form that reduces {action} (read_only or dry_run)"),
            "default_verdict" => ($"default_verdict degrades to catalog entry '{descriptor.Tool}''s form {WireNames.Of(form)}",
                $"give catalog entry '{descriptor.Tool}' a degrade form that reduces {action} (read_only or dry_run), or add an allow rule matching it"),
            _ => ($"rule '{degradedBy}' degrades to {WireNames.Of(form)}",
                $"make rule '{degradedBy}' degrade to read_only or dry_run (forms that reduce {action}), or narrow its match to actions that only read"),
        };

        state.Trigger(degradedBy ?? "degrade", "degrade_form_response_only", DecisionKind.Block,
            $"{source}, which reduces only the response; {action} would reach the upstream unchanged (fail closed)");
        state.Remedy(remedy);
    }
}
