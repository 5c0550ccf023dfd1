using Gateway.Policy;

namespace Gateway.Connectors.Workspace;

/// <summary>
/// Whether a read may receive an item of a workspace pack, decided on the item's data classes: returned, or withheld
/// with the decision reading it would get and what would change that.
/// </summary>
/// <param name="Returned">The item is returned.</param>
/// <param name="Decision">The decision reading an item of these classes gets.</param>
/// <param name="WhatWouldChange">The remedies that would let the reader receive it (empty when returned).</param>
public sealed record WorkspaceItemVerdict(bool Returned, DecisionKind Decision, IReadOnlyList<string> WhatWouldChange);
