using System.Collections;
using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Kinds;

/// <summary>The cost of <see cref="ConnectorType.MatchOperation"/> for an <c>http</c> connector: it grows with its candidates, not the catalog.</summary>
public sealed class HttpConnectorTypeTests
{
    private static readonly Uri OrdersUpstream = new("http://orders.test/api/");

    [Fact]
    public void OperationFor_ThousandSiblingEntries_ExaminesOnlySameUpstreamSameLengthCandidates()
    {
        // 500 GET siblings on the same upstream one segment longer, 500 of the same shape on other upstreams.
        var read = HttpEntry("orders.read", "GET", "/orders/{id}", OrdersUpstream);
        var entries = new List<CatalogEntry> { read };
        for (var i = 0; i < 1000; i++)
        {
            entries.Add(i % 2 == 0
                ? HttpEntry($"orders.line{i}", "GET", $"/orders/{{id}}/line{i}", OrdersUpstream)
                : HttpEntry($"shop{i}.read", "GET", "/orders/{id}", new Uri($"http://shop{i}.test/")));
        }

        var catalog = new CountingCatalog(entries);
        var tenant = TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = catalog }, new string('0', 64));
        string[] segments = ["orders", "42"];
        Assert.Same(read, read.Type().MatchOperation(tenant, read, "GET", segments)?.Entry);
        catalog.Reads = 0;

        const int Calls = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        ProviderOperation? operation = null;
        for (var i = 0; i < Calls; i++)
        {
            operation = read.Type().MatchOperation(tenant, read, "GET", segments);
        }

        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;

        Assert.NotNull(operation);
        Assert.Same(read, operation.Entry);
        Assert.Equal([new KeyValuePair<string, string>("id", "42")], operation.PathArgs);
        Assert.Equal(0, catalog.Reads);
        Assert.True(perCall < 1024, $"{perCall} bytes allocated per call");
    }

    private static CatalogEntry HttpEntry(string name, string method, string template, Uri upstream) => new()
    {
        Name = name,
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Read,
        Upstream = upstream,
        Http = new HttpBinding { Method = method, Path = template },
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
