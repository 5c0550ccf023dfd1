namespace Gateway.Connectors.Workspace;

/// <summary>
/// Who wrote a workspace item, as the gateway authenticated it (never the agent's word): the signing agent (a delegated
/// child's own id), its workspace, the request whose audit record holds the decision, the person it acted for and the run it acted in.
/// </summary>
/// <param name="Agent">The agent that signed the writeback.</param>
/// <param name="Workspace">The workspace it signed for.</param>
/// <param name="RequestId">The writeback's request id (its audit record and decision token name it).</param>
public sealed record WorkspaceWriter(string Agent, string Workspace, string RequestId)
{
    /// <summary>The subject of the person the agent acted for, when it acted for one.</summary>
    public string? Person { get; init; }

    /// <summary>The run the item was written in, when the writeback carried one.</summary>
    public string? RunId { get; init; }
}
