using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Kinds;

/// <summary>Each kind's operation table (<see cref="ConnectorType.MatchOperation"/>) maps a method and a path to the operation policy decides on.</summary>
public sealed class ProviderOperationTableTests
{
    private static readonly Uri OrdersUpstream = new("http://orders.test/api/");

    private static CatalogEntry Connector(ConnectorKind kind) => new()
    {
        Name = "svc",
        Kind = kind,
        ActionType = ActionType.Read,
        Upstream = kind == ConnectorKind.McpTool ? null : new Uri("http://svc.test/"),
        Connector = kind == ConnectorKind.McpTool ? "server" : null,
        McpTool = kind == ConnectorKind.McpTool ? "tool" : null,
    };

    private static CatalogEntry HttpEntry(string name, string method, string template, Uri? upstream = null) => new()
    {
        Name = name,
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Read,
        Upstream = upstream ?? OrdersUpstream,
        Http = new HttpBinding { Method = method, Path = template },
    };

    private static TenantPolicy Tenant(params CatalogEntry[] catalog) =>
        TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = catalog }, new string('0', 64));

    private static string[] Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData(ConnectorKind.OpenAI, "POST", "chat/completions", true)]
    [InlineData(ConnectorKind.OpenAI, "POST", "completions", true)]
    [InlineData(ConnectorKind.OpenAI, "POST", "responses", true)]
    [InlineData(ConnectorKind.OpenAI, "POST", "embeddings", true)]
    [InlineData(ConnectorKind.OpenAI, "GET", "models", true)]
    [InlineData(ConnectorKind.OpenAI, "GET", "models/gpt-4o", true)]
    [InlineData(ConnectorKind.OpenAI, "HEAD", "models/gpt-4o", true)]
    [InlineData(ConnectorKind.Anthropic, "POST", "messages", true)]
    [InlineData(ConnectorKind.Anthropic, "POST", "messages/count_tokens", true)]
    [InlineData(ConnectorKind.Anthropic, "GET", "models", true)]
    [InlineData(ConnectorKind.Anthropic, "GET", "models/claude-x", true)]
    [InlineData(ConnectorKind.Anthropic, "HEAD", "models", true)]
    [InlineData(ConnectorKind.Mcp, "POST", "", true)]
    [InlineData(ConnectorKind.Mcp, "GET", "", true)]
    [InlineData(ConnectorKind.Mcp, "DELETE", "", true)]
    [InlineData(ConnectorKind.Context, "GET", "", true)]
    [InlineData(ConnectorKind.Context, "HEAD", "", true)]
    [InlineData(ConnectorKind.OpenAI, "GET", "chat/completions", false)]
    [InlineData(ConnectorKind.OpenAI, "POST", "models", false)]
    [InlineData(ConnectorKind.OpenAI, "GET", "models/a/b", false)]
    [InlineData(ConnectorKind.OpenAI, "DELETE", "models/gpt-4o", false)]
    [InlineData(ConnectorKind.OpenAI, "POST", "messages", false)]
    [InlineData(ConnectorKind.OpenAI, "POST", "", false)]
    [InlineData(ConnectorKind.OpenAI, "POST", "v1/chat/completions", false)]
    [InlineData(ConnectorKind.Anthropic, "POST", "chat/completions", false)]
    [InlineData(ConnectorKind.Anthropic, "GET", "messages", false)]
    [InlineData(ConnectorKind.Anthropic, "POST", "messages/batches", false)]
    [InlineData(ConnectorKind.Mcp, "PUT", "", false)]
    [InlineData(ConnectorKind.Mcp, "HEAD", "", false)]
    [InlineData(ConnectorKind.Mcp, "POST", "mcp", false)]
    [InlineData(ConnectorKind.Webhook, "GET", "", false)]
    [InlineData(ConnectorKind.Webhook, "POST", "hooks", false)]
    [InlineData(ConnectorKind.Context, "POST", "", false)]
    [InlineData(ConnectorKind.Context, "GET", "search", false)]
    [InlineData(ConnectorKind.McpTool, "POST", "", false)]
    [InlineData(ConnectorKind.McpTool, "GET", "", false)]
    [InlineData(ConnectorKind.Http, "GET", "", false)]
    public void Table_MapsExactlyTheDeclaredOperations_WhichRead(ConnectorKind kind, string method, string path, bool declared)
    {
        var connector = Connector(kind);

        var operation = connector.Type().MatchOperation(Tenant(connector), connector, method, Segments(path));

        if (!declared)
        {
            Assert.Null(operation);
            return;
        }

        Assert.NotNull(operation);
        Assert.Same(connector, operation.Entry);
        Assert.False(operation.Writes);
        Assert.Empty(operation.PathArgs);
    }

    [Fact]
    public void Webhook_ItsPost_Writes()
    {
        var connector = Connector(ConnectorKind.Webhook);

        var operation = connector.Type().MatchOperation(Tenant(connector), connector, "POST", []);

        Assert.NotNull(operation);
        Assert.Same(connector, operation.Entry);
        Assert.True(operation.Writes);
    }

    [Theory]
    [InlineData("GET", "orders/42", false)]
    [InlineData("HEAD", "orders/42", false)]
    [InlineData("POST", "orders/42", null)]
    [InlineData("GET", "orders", null)]
    [InlineData("GET", "orders/42/notes", null)]
    [InlineData("GET", "customers/42", null)]
    public void Http_OwnBinding_CapturesThePathTemplate(string method, string path, bool? writes)
    {
        var read = HttpEntry("orders.read", "GET", "/orders/{id}");

        var operation = read.Type().MatchOperation(Tenant(read), read, method, Segments(path));

        if (writes is null)
        {
            Assert.Null(operation);
            return;
        }

        Assert.NotNull(operation);
        Assert.Same(read, operation.Entry);
        Assert.Equal(writes, operation.Writes);
        Assert.Equal([new KeyValuePair<string, string>("id", "42")], operation.PathArgs);
    }

    [Fact]
    public void Http_SiblingOnTheSameUpstream_IsDecidedAsTheWriteItIs()
    {
        var read = HttpEntry("orders.read", "GET", "/orders/{id}");
        var cancel = HttpEntry("orders.cancel", "post", "/orders/{id}/cancel");
        var tenant = Tenant(read, cancel);

        var operation = read.Type().MatchOperation(tenant, read, "POST", Segments("orders/7/cancel"));

        Assert.NotNull(operation);
        Assert.Same(cancel, operation.Entry);
        Assert.True(operation.Writes);
        Assert.Equal([new KeyValuePair<string, string>("id", "7")], operation.PathArgs);
    }

    [Fact]
    public void Http_SiblingsElsewhereOrOfAnotherKind_AreNotOperations()
    {
        var read = HttpEntry("orders.read", "GET", "/orders/{id}");
        var elsewhere = HttpEntry("billing.cancel", "POST", "/orders/{id}/cancel", new Uri("http://billing.test/"));
        var webhook = new CatalogEntry
        {
            Name = "orders.hook",
            Kind = ConnectorKind.Webhook,
            ActionType = ActionType.Write,
            Upstream = OrdersUpstream,
            Http = new HttpBinding { Method = "POST", Path = "/orders/{id}/cancel" },
        };

        Assert.Null(read.Type().MatchOperation(Tenant(read, elsewhere, webhook), read, "POST", Segments("orders/7/cancel")));
    }

    [Theory]
    [InlineData("DELETE", true)]
    [InlineData("PUT", true)]
    [InlineData("PATCH", true)]
    [InlineData("OPTIONS", false)]
    public void Http_AnythingButGetHeadOptions_Writes(string method, bool writes)
    {
        var entry = HttpEntry("orders.x", method, "/orders/{id}");

        Assert.Equal(writes, entry.Type().MatchOperation(Tenant(entry), entry, method, Segments("orders/1"))!.Writes);
    }

    [Fact]
    public void MatchOperation_OperationOfAnotherEntryOnTheUpstream_IsThatEntry()
    {
        var read = HttpEntry("orders.read", "GET", "/orders/{id}");
        var cancel = HttpEntry("orders.cancel", "POST", "/orders/{id}/cancel");
        var tenant = Tenant(read, cancel);

        Assert.Same(cancel, read.Type().MatchOperation(tenant, read, "POST", Segments("orders/7/cancel"))?.Entry);
        Assert.Null(read.Type().MatchOperation(tenant, read, "DELETE", Segments("orders/7")));
    }
}
