namespace Gateway.Connectors.Workspace;

/// <summary>A workspace pack as a read receives it: the JSON with only the returned items, and what was withheld.</summary>
/// <param name="Json">The pack, its other members as the store sent them.</param>
/// <param name="Returned">How many items are in it.</param>
/// <param name="Withheld">The items not returned, by reason and classes.</param>
public sealed record WorkspacePackResult(byte[] Json, int Returned, IReadOnlyList<WithheldItems> Withheld)
{
    /// <summary>How many items were withheld in all.</summary>
    public int WithheldCount => Withheld.Sum(static w => w.Items);
}
