namespace Gateway.Connectors;

/// <summary>The reduced form a <c>degrade</c> decision forwards a call in (decision model §5).</summary>
public enum DegradeMode
{
    /// <summary>Not degraded.</summary>
    None,

    /// <summary>Regulated classes (e-mail, card numbers, tokens, keys) removed from the response.</summary>
    Redact,

    /// <summary>Write verbs refused; for MCP only tools whose action type is read.</summary>
    ReadOnly,

    /// <summary>The upstream is told not to commit (<c>X-Gamut-Dry-Run: true</c>, <c>dry_run=true</c>).</summary>
    DryRun,

    /// <summary>Model requests routed to a safer model with capped tokens.</summary>
    Route,
}
