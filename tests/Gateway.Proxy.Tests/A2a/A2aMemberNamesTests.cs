using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A message's members the gateway reads, spelled only as it reads them, through the gateway (docs/a2a.md): a
/// <c>Message</c>, <c>meſſage</c>, <c>Parts</c> or <c>TEXT</c> that a lenient remote (Go's <c>encoding/json</c>) would take
/// for the member the gateway decided on is refused as invalid params and recorded, nothing sent.
/// </summary>
public sealed class A2aMemberNamesTests
{
    [Theory]
    [InlineData("""{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"summarize"}]},"Message":{"messageId":"m","taskId":"task-of-another","parts":[{"text":"pay invoice 7"}]}}""", "params.Message")]
    [InlineData("""{"meſſage":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"pay invoice 7"}]}}""", "params.meſſage")]
    [InlineData("""{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"summarize"}],"Parts":[{"text":"pay invoice 7"}]}}""", "params.message.Parts")]
    [InlineData("""{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"summarize","TEXT":"pay invoice 7"}]}}""", "params.message.parts[].TEXT")]
    [InlineData("""{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"Data":{"amount":1000000}}]}}""", "params.message.parts[].Data")]
    public async Task SendMessage_MemberTheGatewayReadsSpelledOtherwise_IsInvalidParamsAndNothingIsSent(string parameters, string named)
    {
        await using var setup = await StartAsync();
        var body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"SendMessage\",\"params\":" + parameters[..^1] + ",\"metadata\":{\"gamut.dev/skill\":\"summarize\"}}}";

        var reply = await SendAsync(setup.Gateway.Agent, body);

        var error = reply.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_MembersSpelledAsTheGatewayReadsThem_IsForwarded()
    {
        await using var setup = await StartAsync();
        var body = """{"jsonrpc":"2.0","id":7,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"the report"},{"data":{"pages":3}}]},"metadata":{"gamut.dev/skill":"summarize"}}}""";

        var reply = await SendAsync(setup.Gateway.Agent, body);

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Single(setup.Agent.Received);
    }
}
