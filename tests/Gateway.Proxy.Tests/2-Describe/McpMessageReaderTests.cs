using System.Text;
using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Describe;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// The one parse of a message on <c>/mcp</c>: its method and id, the call a <c>notifications/cancelled</c> names and the
/// body every later reader reads, or the refusal of a body that is not one JSON-RPC message.
/// </summary>
public sealed class McpMessageReaderTests
{
    [Fact]
    public void Read_ToolCall_IsGovernedCallWithItsIdAndBody()
    {
        var (message, refusal) = Read("POST", """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","arguments":{"q":"x"}}}""");

        Assert.Null(refusal);
        Assert.True(message!.IsGovernedCall);
        Assert.Equal("7", message.AnsweredId);
        Assert.Equal("x", message.Body.GetProperty("params").GetProperty("arguments").GetProperty("q").GetString());
    }

    [Fact]
    public void Read_Cancelled_NamesTheRequestItCancels()
    {
        var (message, _) = Read("POST", """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"call-1"}}""");

        Assert.False(message!.IsGovernedCall);
        Assert.Null(message.AnsweredId);
        Assert.Equal("\"call-1\"", message.CancelledRequestId);
    }

    [Fact]
    public void Read_ClientAnswer_HasNoAnsweredId()
    {
        var (message, _) = Read("POST", """{"jsonrpc":"2.0","id":"gamut-1","result":{}}""");

        Assert.Null(message!.Method);
        Assert.Equal("\"gamut-1\"", message.Id);
        Assert.Null(message.AnsweredId);
        Assert.Null(message.CancelledRequestId);
    }

    [Theory]
    [InlineData("not json", "The body is not a JSON-RPC message: the body is not JSON, or repeats a member.")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}""", "The body is not a JSON-RPC message: the body is not JSON, or repeats a member.")]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"ping"}""", "The body is not a JSON-RPC message: not a JSON-RPC 2.0 message.")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud800"}}""", "The body is not a JSON-RPC message: the body is not JSON, or repeats a member.")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"\udc00"}""", "The body is not a JSON-RPC message: the body is not JSON, or repeats a member.")]
    [InlineData("""{"jsonrpc":"2.0","id":1e400,"method":"ping"}""", "The body is not a JSON-RPC message: id must be a string or an integer.")]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"notes__find"}}""", "The body is not a JSON-RPC message: id must be a string or an integer.")]
    [InlineData("""{"jsonrpc":"2.0","id":{"a":1},"method":"tools/call","params":{"name":"notes__find"}}""", "The body is not a JSON-RPC message: id must be a string or an integer.")]
    [InlineData("""{"jsonrpc":"2.0","id":true,"result":{}}""", "The body is not a JSON-RPC message: id must be a string or an integer.")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", "JSON-RPC batches are not accepted on /mcp (the MCP specification removed them); send one message per request.")]
    public void Read_NotOneJsonRpcMessage_IsMalformedBody(string body, string detail)
    {
        var (message, refusal) = Read("POST", body);

        Assert.Null(message);
        Assert.Equal(StatusCodes.Status400BadRequest, refusal!.Status);
        Assert.Equal(ProblemCodes.MalformedBody, refusal.Code);
        Assert.Equal(detail, refusal.Detail);
    }

    [Theory]
    [InlineData("not json", -32700)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}""", -32600)]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"ping"}""", -32600)]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", -32600)]
    public void Read_NotOneJsonRpcMessage_IsAJsonRpcErrorThatKeepsItsStatus(string body, int code)
    {
        var (_, refusal) = Read("POST", body);

        Assert.Equal(code, refusal!.JsonRpcCode);
        Assert.True(refusal.JsonRpcKeepsStatus);
    }

    [Theory]
    [InlineData("not json", "null")]
    [InlineData("""{"jsonrpc":"1.0","id":"a","method":"ping"}""", "\"a\"")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"ping","method":"tools/call"}""", "7")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}""", "null")]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", "null")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", "null")]
    public void IdOf_UnreadableBody_IsItsOneReadableIdElseNull(string body, string id) =>
        Assert.Equal(id, McpMessageReader.IdOf(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Read_Get_HasNoMessage()
    {
        var (message, refusal) = Read("GET", string.Empty);

        Assert.Null(refusal);
        Assert.Null(message!.Info);
        Assert.Equal(JsonValueKind.Undefined, message.Body.ValueKind);
        Assert.False(message.IsGovernedCall);
    }

    private static (McpMessage? Message, Gateway.Proxy.Refusals.Refusal? Refusal) Read(string method, string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        return McpMessageReader.Read(context.Request, Encoding.UTF8.GetBytes(body));
    }
}
