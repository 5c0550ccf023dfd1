using System.Text.Json;
using Gateway.Connectors.Mcp;

namespace Gateway.Connectors.Tests.Mcp;

/// <summary>The members of an MCP message the gateway reads, spelled so that only a server matching names without case reads them.</summary>
public sealed class McpMemberNamesTests
{
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":"x"},"Arguments":{"q":"DROP"},"Name":"delete_repo"}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"Name":"delete_repo"}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"note://a","Uri":"note://secret-1"}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","_META":{}}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","task_id":"t"}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","ID":2}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","\u212A":1,"jsonRPC":"1.0"}""", false)]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","ARGUMENTS":{}}}]""", true)]
    public void MisspelledMember_ReadMemberInAnotherCase_IsFoundWhereItIs(string json, bool inParams)
    {
        var found = McpRequestParser.MisspelledMember(JsonDocument.Parse(json).RootElement);

        Assert.NotNull(found);
        Assert.Equal(inParams, found.InParams);
        Assert.Contains("Nothing was forwarded", found.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"Name":"x","ARGUMENTS":1},"_meta":{"progressToken":1}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"note://{id}"},"argument":{"name":"id","value":"q"},"context":{}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"Name":"an answer's own members"}}""")]
    [InlineData("""[{"jsonrpc":"2.0","method":"notifications/initialized"}]""")]
    public void MisspelledMember_EveryReadMemberSpelledExactly_IsNull(string json) =>
        Assert.Null(McpRequestParser.MisspelledMember(JsonDocument.Parse(json).RootElement));

    [Fact]
    public void Fold_CharactersALenientReaderFoldsOntoLetters_FoldAsItDoes() =>
        Assert.Equal(["ARGUMENTS", "TASKID", "META", "K"], new[] { "argument\u017F", "task_Id", "_meta", "\u212A" }.Select(McpMemberNames.Fold));
}
