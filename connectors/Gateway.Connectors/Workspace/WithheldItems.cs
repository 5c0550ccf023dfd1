using Gateway.Policy;

namespace Gateway.Connectors.Workspace;

/// <summary>
/// Items of a workspace pack that were not returned, counted by the data classes they carry (never their names or
/// content): <see cref="WithheldItems.Policy"/> when reading them is decided more strictly than the read was, or
/// <see cref="WithheldItems.UnreadableDataClasses"/> when their classes cannot be read (fail closed).
/// </summary>
/// <param name="Reason"><c>policy</c> or <c>unreadable_data_classes</c>.</param>
/// <param name="DataClasses">The classes the items carry (none when unreadable).</param>
/// <param name="Items">How many items.</param>
/// <param name="Decision">The decision reading them gets (null when unreadable).</param>
/// <param name="WhatWouldChange">What would let the reader receive them.</param>
public sealed record WithheldItems(string Reason, DataClassSet DataClasses, int Items, DecisionKind? Decision, IReadOnlyList<string> WhatWouldChange)
{
    /// <summary>Reading the items is decided more strictly than the read was.</summary>
    public const string Policy = "policy";

    /// <summary>The items' <c>data_classes</c> is not a list of known class names.</summary>
    public const string UnreadableDataClasses = "unreadable_data_classes";
}
