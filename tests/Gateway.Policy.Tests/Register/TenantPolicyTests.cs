using System.Collections;

namespace Gateway.Policy.Tests.Register;

/// <summary><see cref="TenantPolicy"/>'s lookups are indexed at construction: their cost does not grow with the catalog.</summary>
public sealed class TenantPolicyTests
{
    [Fact]
    public void FindMcpTool_AfterConstruction_NeverEnumeratesTheCatalog()
    {
        // 100 servers × 50 tools, and a second entry for docs0's tool0: the first in catalog order is the one found.
        var entries = new List<CatalogEntry>();
        for (var s = 0; s < 100; s++)
        {
            entries.Add(new CatalogEntry { Name = $"docs{s}", Kind = ConnectorKind.Mcp, ActionType = ActionType.Read, Upstream = new Uri($"http://docs{s}.test/mcp") });
            for (var t = 0; t < 50; t++)
            {
                entries.Add(Tool($"docs{s}.tool{t}", $"docs{s}", $"tool{t}"));
            }
        }

        entries.Add(Tool("docs0.tool0.again", "docs0", "tool0"));
        entries.Add(new CatalogEntry { Name = "orders", Kind = ConnectorKind.Http, ActionType = ActionType.Read, Upstream = new Uri("http://orders.test/"), Connector = "docs1", McpTool = "tool1" });
        var catalog = new CountingCatalog(entries);
        var tenant = TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = catalog }, new string('0', 64));
        catalog.Reads = 0;

        Assert.Equal("docs0.tool0", tenant.FindMcpTool("docs0", "tool0"));
        Assert.Equal("docs99.tool49", tenant.FindMcpTool("docs99", "tool49"));
        Assert.Equal("docs1.tool1", tenant.FindMcpTool("docs1", "tool1"));
        Assert.Null(tenant.FindMcpTool("docs0", "tool50"));
        Assert.Null(tenant.FindMcpTool("docs0.tool0", "tool0"));
        Assert.Null(tenant.FindMcpTool("orders", "tool1"));
        Assert.Equal(0, catalog.Reads);
    }

    private static CatalogEntry Tool(string name, string server, string tool) => new()
    {
        Name = name,
        Kind = ConnectorKind.McpTool,
        ActionType = ActionType.Read,
        Connector = server,
        McpTool = tool,
    };

    /// <summary>A catalog that counts how often its entries are read (enumerated or indexed).</summary>
    private sealed class CountingCatalog(List<CatalogEntry> entries) : IReadOnlyList<CatalogEntry>
    {
        public int Reads { get; set; }

        public int Count => entries.Count;

        public CatalogEntry this[int index]
        {
            get
            {
                Reads++;
                return entries[index];
            }
        }

        public IEnumerator<CatalogEntry> GetEnumerator()
        {
            Reads++;
            return entries.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
