using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Mcp;

namespace Gateway.Connectors.Tests.Mcp;

/// <summary>The listings filter given a read predicate: resources, resource templates and prompts left out by the read each names, in JSON and in SSE.</summary>
public sealed class ToolsListFilterReadsTests
{
    private const string Listings = """
        [{"jsonrpc":"2.0","id":1,"result":{"resources":[{"uri":"note://q3-plan","name":"q3"},{"uri":"note://secret-1","name":"s"},{"name":"no-uri"}]}},
         {"jsonrpc":"2.0","id":2,"result":{"resourceTemplates":[{"uriTemplate":"note://{id}","name":"note"},{"uriTemplate":"secret://{id}","name":"secret"}]}},
         {"jsonrpc":"2.0","id":3,"result":{"prompts":[{"name":"summarize"},{"name":"leak"}],"nextCursor":"c"}},
         {"jsonrpc":"2.0","id":4,"result":{"tools":[{"name":"search"},{"name":"delete"}]}}]
        """;

    // The reads a rule would block: the secret note, the secret template as written, the prompt "leak".
    private static bool Readable(JsonObject read) =>
        read["uri"]?.GetValue<string>() is not ("note://secret-1" or "secret://{id}") && read["prompt"]?.GetValue<string>() != "leak";

    [Fact]
    public void FilterJson_ItemsWhoseReadIsBlocked_AreLeftOut()
    {
        var filter = new ToolsListFilter((name, _) => name != "delete", Readable);

        var answers = JsonDocument.Parse(filter.FilterJson(Encoding.UTF8.GetBytes(Listings))).RootElement;

        Assert.Equal(["note://q3-plan"], answers[0].GetProperty("result").GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uri").GetString()));
        Assert.Equal(["note://{id}"], answers[1].GetProperty("result").GetProperty("resourceTemplates").EnumerateArray().Select(t => t.GetProperty("uriTemplate").GetString()));
        Assert.Equal(["summarize"], answers[2].GetProperty("result").GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("c", answers[2].GetProperty("result").GetProperty("nextCursor").GetString());
        Assert.Equal(["search"], answers[3].GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public void FilterJson_ReadsAskedAsMcpDecidesThem()
    {
        var asked = new List<string>();
        var filter = new ToolsListFilter((_, _) => true, read =>
        {
            asked.Add(read.ToJsonString());
            return true;
        });

        filter.FilterJson(Encoding.UTF8.GetBytes(Listings));

        Assert.Equal(["""{"uri":"note://secret-1"}""", """{"uri":"note://q3-plan"}""", """{"uri":"secret://{id}"}""", """{"uri":"note://{id}"}""", """{"prompt":"leak","arguments":{}}""", """{"prompt":"summarize","arguments":{}}"""], asked);
    }

    [Fact]
    public void FilterJson_WithoutAReadPredicate_LeavesListingsOtherThanToolsAlone()
    {
        var filter = new ToolsListFilter((_, _) => true);
        var body = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"result":{"resources":[{"uri":"note://secret-1"}],"prompts":"not a list"}}""");

        Assert.Equal(body, filter.FilterJson(body));
    }

    [Fact]
    public void FilterJson_ListingThatIsNotAnArray_Throws()
    {
        var filter = new ToolsListFilter((_, _) => true, Readable);

        Assert.Throws<InvalidDataException>(() => filter.FilterJson("""{"jsonrpc":"2.0","id":1,"result":{"resources":{"uri":"note://secret-1"}}}"""u8));
    }

    [Fact]
    public void FilterSse_ResourceWhoseReadIsBlocked_IsLeftOut()
    {
        var filter = new ToolsListFilter((_, _) => true, Readable);
        var output = new ArrayBufferWriter<byte>();

        filter.Write("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resources\":[{\"uri\":\"note://secret-1\"},{\"uri\":\"note://q3-plan\"}]}}\n\n"u8, output);
        filter.Complete(output);

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.DoesNotContain("secret-1", text, StringComparison.Ordinal);
        Assert.Contains("note://q3-plan", text, StringComparison.Ordinal);
    }
}
