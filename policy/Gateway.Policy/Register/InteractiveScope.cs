namespace Gateway.Policy;

/// <summary>
/// A scope an agent's <c>interactive:</c> block declares (<c>scopes: { name: [tools…] }</c>): a token of a person's
/// interactive client may use the tools it covers only when the person consented to it. A name covers the catalog entry
/// of that name and every entry named under it (<c>docs</c> covers <c>docs.search</c>: an MCP server and its tools).
/// </summary>
public sealed record InteractiveScope(string Name, IReadOnlyList<string> Tools)
{
    /// <summary>True when <paramref name="tool"/> is one of <see cref="Tools"/> or named under one (<c>docs</c> → <c>docs.search</c>).</summary>
    public bool Covers(string tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        foreach (var name in Tools)
        {
            if (tool.Length >= name.Length && tool.StartsWith(name, StringComparison.Ordinal) && (tool.Length == name.Length || tool[name.Length] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for an RFC 6749 §3.3 scope token (printable ASCII without space, <c>"</c> or <c>\</c>), at most 64 characters.</summary>
    public static bool IsScopeToken(string name) =>
        name.Length is > 0 and <= 64 && name.All(static c => c is >= '!' and <= '~' && c is not '"' and not '\\');
}
