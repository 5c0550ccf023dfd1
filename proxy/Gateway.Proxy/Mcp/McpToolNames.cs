using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The names a tenant's governed tools have on <c>/mcp</c>. An <c>mcp_tool</c> entry is named by its server and the
/// tool's name there (<c>docs__search</c>); an <c>http</c> or <c>webhook</c> entry by its catalog name. Names keep to
/// <c>[A-Za-z0-9_-]</c> and 64 characters (what the MCP specification allows and what model APIs accept as a
/// function name): any other character becomes <c>_</c>. When two entries would still share a name, or a name is
/// too long, each is named by its first 55 characters and eight hex digits of the SHA-256 of its catalog name, which
/// is unique in the tenant: two tools can never share a name. MCP servers are named the same way (their catalog name),
/// and a server's prompts are <c>server__prompt</c>. Built once per loaded policy.
/// </summary>
internal sealed class McpToolNames
{
    /// <summary>The longest name: the limit model APIs put on a function name.</summary>
    public const int MaxLength = 64;

    private const string ServerSeparator = "__";
    private const int HashedPrefixLength = MaxLength - 9;

    private static readonly ConditionalWeakTable<TenantPolicy, McpToolNames> Cache = [];

    private readonly Dictionary<string, CatalogEntry> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nameOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CatalogEntry> _serverByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _serverNameOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CatalogEntry> _contextByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _contextNameOf = new(StringComparer.Ordinal);

    private McpToolNames(TenantPolicy tenant)
    {
        Name(tenant.Catalog.Where(IsTool), e => e.Kind == ConnectorKind.McpTool ? e.Connector + ServerSeparator + e.McpTool : e.Name, _byName, _nameOf);
        Name(tenant.Catalog.Where(e => e.Kind == ConnectorKind.Mcp), e => e.Name, _serverByName, _serverNameOf);
        Name(tenant.Catalog.Where(e => e.Kind == ConnectorKind.Context), e => e.Name, _contextByName, _contextNameOf);
    }

    /// <summary>Every context pack of the tenant, by its name on <c>/mcp</c> (its resource is <c>gamut-context://name</c>).</summary>
    public IEnumerable<(string Name, CatalogEntry Entry)> ContextPacks => _contextNameOf.Select(pair => (pair.Value, _contextByName[pair.Value]));

    /// <summary>The context pack whose name on <c>/mcp</c> is <paramref name="name"/>.</summary>
    public bool TryResolveContextPack(string name, out CatalogEntry entry) => _contextByName.TryGetValue(name, out entry!);

    /// <summary>Every tool of the tenant, by its name on <c>/mcp</c>, in catalog order.</summary>
    public IEnumerable<(string Name, CatalogEntry Entry)> Tools => _nameOf.Select(pair => (pair.Value, _byName[pair.Value]));

    /// <summary>The names of <paramref name="tenant"/>'s tools (computed once per loaded policy).</summary>
    public static McpToolNames For(TenantPolicy tenant) => Cache.GetValue(tenant, static t => new McpToolNames(t));

    /// <summary>True for the kinds <c>/mcp</c> serves as tools: a tool of an MCP server, an HTTP tool, a webhook.</summary>
    public static bool IsTool(CatalogEntry entry) => entry.Kind is ConnectorKind.McpTool or ConnectorKind.Http or ConnectorKind.Webhook;

    /// <summary>The catalog entry a name on <c>/mcp</c> stands for.</summary>
    public bool TryResolve(string name, out CatalogEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>The name on <c>/mcp</c> of the MCP server <paramref name="catalogName"/>: what its prompts' names and its resources' URIs start with.</summary>
    public string? ServerNameOf(string catalogName) => _serverNameOf.GetValueOrDefault(catalogName);

    /// <summary>The MCP server whose name on <c>/mcp</c> is <paramref name="name"/>.</summary>
    public bool TryResolveServer(string name, out CatalogEntry server) => _serverByName.TryGetValue(name, out server!);

    /// <summary>The name on <c>/mcp</c> of a server's own <paramref name="item"/> (a prompt): <c>server__item</c>.</summary>
    public static string ItemName(string serverName, string item) => serverName + ServerSeparator + item;

    /// <summary>
    /// The server and its own name of <paramref name="name"/> (<c>server__item</c>): the longest server name that
    /// prefixes it, so that a server named with <c>__</c> still resolves.
    /// </summary>
    public bool TryResolveItem(string name, out CatalogEntry server, out string item)
    {
        server = null!;
        item = string.Empty;
        var best = -1;
        foreach (var (serverName, entry) in _serverByName)
        {
            if (serverName.Length > best && name.Length > serverName.Length + ServerSeparator.Length
                && name.StartsWith(serverName, StringComparison.Ordinal) && name.AsSpan(serverName.Length).StartsWith(ServerSeparator, StringComparison.Ordinal))
            {
                best = serverName.Length;
                server = entry;
                item = name[(serverName.Length + ServerSeparator.Length)..];
            }
        }

        return best >= 0;
    }

    private static void Name(IEnumerable<CatalogEntry> entries, Func<CatalogEntry, string> wantedName, Dictionary<string, CatalogEntry> byName, Dictionary<string, string> nameOf)
    {
        var wanted = entries.Select(e => (Entry: e, Name: Sanitize(wantedName(e)))).ToList();
        var counts = wanted.GroupBy(w => w.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var (entry, name) in wanted)
        {
            var unique = counts[name] == 1 && name.Length <= MaxLength ? name : Hashed(name, entry.Name);
            byName[unique] = entry;
            nameOf[entry.Name] = unique;
        }
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return builder.ToString();
    }

    private static string Hashed(string name, string catalogName)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(catalogName));
        var prefix = name.Length <= HashedPrefixLength ? name : name[..HashedPrefixLength];
        return prefix + "_" + Convert.ToHexStringLower(digest.AsSpan(0, 4));
    }
}
