using Gateway.Connectors.Workspace;
using Gateway.Policy;

namespace Gateway.Proxy.Decide;

/// <summary>
/// Decide's record for a read of a workspace store (a context connector that declares <c>writeback</c>) that is carried
/// out: which items of its pack the reader may receive. The read was decided on its classes (the connector's, widened by
/// what it declared); an item labelled with nothing beyond them is returned. For any other item, the same read declaring
/// the item's classes as well is decided, and the item is returned only when that decision is in the allow family and no
/// stricter than the read's own (allow &lt; allow_and_log &lt; degrade); otherwise it is withheld, with that decision and
/// what would change it. A warrant is never carried over: it was approved for the read's classes, not the item's. An item
/// returned under a degrade whose form is <c>redact</c> or <c>mask</c> is withheld when it carries a regulated class: that
/// form removes regulated classes from the response (decision-model §5), and here an item is the unit removed. In shadow
/// mode nothing is withheld (the decisions enforced there never are). Verdicts are kept per set of labels.
/// </summary>
internal sealed class WorkspaceItemClearance
{
    private readonly TenantPolicy _tenant;
    private readonly AuthenticatedCaller _caller;
    private readonly ActionRequest _read;
    private readonly DataClassSet _readClasses;
    private readonly Decision _readDecision;

    public WorkspaceItemClearance(TenantPolicy tenant, AuthenticatedCaller caller, ActionRequest read, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _tenant = tenant;
        _caller = caller;
        _read = read with { Warrant = null };
        _readClasses = decision.Descriptor?.DataClasses ?? DataClassSet.None;
        _readDecision = decision;
    }

    /// <summary>The verdict on an item labelled <paramref name="labels"/>.</summary>
    public WorkspaceItemVerdict Clear(DataClassSet labels)
    {
        var classes = _readClasses | labels;
        if (_readDecision.Simulated)
        {
            return new WorkspaceItemVerdict(true, _readDecision.Kind, []);
        }

        var decision = classes == _readClasses
            ? _readDecision
            : DecisionEngine.Instance.Evaluate(_tenant, _caller, _read with { DataClasses = DataClassSets.ToList(classes) });
        var returned = decision.IsAllowFamily && Strictness(decision.Kind) <= Strictness(_readDecision.Kind)
            && !(decision.Degrade?.Mode is DegradeMode.Redact or DegradeMode.Mask && (classes & DataClassSet.Regulated) != DataClassSet.None);
        return new WorkspaceItemVerdict(returned, decision.Kind, returned ? [] : decision.Explanation.WhatWouldChange);
    }

    private static int Strictness(DecisionKind kind) => kind switch
    {
        DecisionKind.Allow => 0,
        DecisionKind.AllowAndLog => 1,
        DecisionKind.Degrade => 2,
        DecisionKind.RequireApproval => 3,
        DecisionKind.Block => 4,
        _ => 5,
    };
}
