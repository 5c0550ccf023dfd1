using System.Net;
using System.Text.Json;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The A2A route's rules on the request as a whole, through the gateway (docs/a2a.md): a body that is not one JSON-RPC
/// request answered with JSON-RPC's own errors (-32700, -32600, under id null, the gateway's code in <c>data</c>), a
/// refusal before the request is read under the request's id; a message whose two skill labels differ refused, not
/// decided as either; the <c>a2a</c> agent's <c>limits</c> held by each of its skills; neither the agent nor a skill
/// invoked as a tool.
/// </summary>
public sealed class A2aRequestRulesTests
{
    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,", -32700)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"GetTask\",\"params\":{\"id\":\"t\"}}]", -32600)]
    [InlineData("\"SendMessage\"", -32600)]
    public async Task Post_BodyThatIsNotOneRequest_IsAJsonRpcErrorUnderIdNull(string body, int code)
    {
        await using var setup = await StartAsync();

        var (status, reply) = await PostAsync(setup, "/a2a/helper", body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("id").ValueKind);
        Assert.Equal("2.0", reply.GetProperty("jsonrpc").GetString());
        Assert.Equal(code, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task Post_RequestWithoutJsonRpcVersion_IsInvalidRequestUnderItsId()
    {
        await using var setup = await StartAsync();

        var (_, reply) = await PostAsync(setup, "/a2a/helper", "{\"id\":\"r-1\",\"method\":\"GetTask\",\"params\":{\"id\":\"t\"}}");

        Assert.Equal("\"r-1\"", reply.GetProperty("id").GetRawText());
        Assert.Equal(-32600, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Post_UnknownAgent_IsAJsonRpcErrorUnderTheRequestsId()
    {
        await using var setup = await StartAsync();

        var (_, reply) = await PostAsync(setup, "/a2a/nobody", Message("SendMessage", "summarize", "x"));

        Assert.Equal("7", reply.GetProperty("id").GetRawText());
        Assert.Equal("unknown_connector", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(404, reply.GetProperty("error").GetProperty("data").GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("summarize", "wire")]
    [InlineData("wire", "summarize")]
    public async Task SendMessage_SkillLabelsThatDiffer_IsRefusedAsInvalidParams_NothingSentOrHeld(string onParams, string onMessage)
    {
        await using var setup = await StartAsync();
        var body = JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0",
            id = 7,
            method = "SendMessage",
            @params = new
            {
                message = new Dictionary<string, object>
                {
                    ["messageId"] = "m-conflict",
                    ["role"] = "ROLE_USER",
                    ["parts"] = new[] { new { text = "pay the invoice" } },
                    ["metadata"] = new Dictionary<string, string> { ["gamut.dev/skill"] = onMessage },
                },
                metadata = new Dictionary<string, string> { ["gamut.dev/skill"] = onParams },
            },
        });

        var error = (await SendAsync(setup.Gateway.Agent, body)).GetProperty("error");

        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("a2a_metadata_conflict", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.Received);
        var audit = await setup.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        Assert.Contains("refused:a2a_metadata_conflict", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("\"helper.summarize\"", audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"kind\":\"data\",\"text\":\"Summarize the Q3 report\",\"data\":{\"action\":\"wire\",\"amount\":1000000}}")]
    [InlineData("{\"kind\":\"file\",\"text\":\"Summarize the Q3 report\",\"file\":{\"uri\":\"https://files.example/wire.json\"}}")]
    [InlineData("{\"text\":\"Summarize the Q3 report\",\"raw\":\"d2lyZQ==\"}")]
    [InlineData("{\"kind\":\"data\",\"text\":\"Summarize the Q3 report\"}")]
    [InlineData("{\"text\":{\"action\":\"wire\"}}")]
    public async Task SendMessage_PartDecidedOnOneContentButReadAsAnother_IsRefusedAsInvalidParams_NothingSent(string part)
    {
        // A receiving agent reads a part by its kind (0.3) or its one content (1.0): a part holding a decoy text beside the
        // data, file or bytes it acts on, or whose kind names another content, would be decided on what is not acted on.
        await using var setup = await StartAsync();
        var body = Message("SendMessage", "summarize", "x").Replace("[{\"text\":\"x\"}]", "[" + part + "]", StringComparison.Ordinal);
        Assert.Contains(part, body, StringComparison.Ordinal);

        var error = (await SendAsync(setup.Gateway.Agent, body)).GetProperty("error");

        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.Received);
    }

    [Theory]
    [InlineData("{\"kind\":\"text\",\"text\":\"Summarize the Q3 report\"}")]
    [InlineData("{\"kind\":\"data\",\"data\":{\"quarter\":3}}")]
    [InlineData("{\"url\":\"https://files.example/q3.pdf\",\"mediaType\":\"application/pdf\"}")]
    public async Task SendMessage_PartWithOneContentItsKindNames_IsForwardedAsSent(string part)
    {
        await using var setup = await StartAsync();
        var body = Message("SendMessage", "summarize", "x").Replace("[{\"text\":\"x\"}]", "[" + part + "]", StringComparison.Ordinal);

        await SendAsync(setup.Gateway.Agent, body);

        // Forwarded as sent (the test agent itself answers only text).
        var (_, forwarded) = Assert.Single(setup.Agent.Received);
        var sent = JsonDocument.Parse(part).RootElement;
        Assert.True(JsonElement.DeepEquals(sent, forwarded.GetProperty("message").GetProperty("parts")[0]), forwarded.ToString());
    }

    [Fact]
    public async Task SendMessage_SameSkillLabelOnParamsAndMessage_IsForwarded()
    {
        await using var setup = await StartAsync();
        var body = Message("SendMessage", "summarize", "x").Replace("\"role\":", "\"metadata\":{\"gamut.dev/skill\":\"summarize\"},\"role\":", StringComparison.Ordinal);

        var reply = await SendAsync(setup.Gateway.Agent, body);

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
    }

    [Fact]
    public async Task SendMessage_AgentsResponseLimit_HoldsForASkillWithoutItsOwn()
    {
        await using var setup = await StartAsync(agentMaxResponseBytes: 64);

        var reply = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "the quarterly report"));

        Assert.True(reply.TryGetProperty("error", out var error), reply.ToString());
        Assert.Equal("response_too_large", error.GetProperty("data").GetProperty("code").GetString());
    }

    [Fact]
    public async Task SendMessage_SkillsOwnLimitLooserThanTheAgents_TheAgentsHolds()
    {
        await using var setup = await StartAsync(maxResponseBytes: 1_000_000, agentMaxResponseBytes: 64);

        var reply = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "the quarterly report"));

        Assert.True(reply.TryGetProperty("error", out var error), reply.ToString());
        Assert.Equal("response_too_large", error.GetProperty("data").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("helper.summarize", "GetTask", "{\"id\":\"another-agents-task\"}")]
    [InlineData("helper.summarize", "CancelTask", "{\"id\":\"another-agents-task\"}")]
    [InlineData("helper.summarize", "tasks/pushNotificationConfig/set", "{\"taskId\":\"t\",\"pushNotificationConfig\":{\"url\":\"http://169.254.169.254/\"}}")]
    [InlineData("helper.summarize", "SendMessage", "{\"message\":{\"messageId\":\"m\",\"role\":\"ROLE_USER\",\"parts\":[{\"text\":\"wire it\"}]}}")]
    [InlineData("helper", "GetTask", "{\"id\":\"another-agents-task\"}")]
    public async Task InvokeTool_RemoteAgentOrItsSkill_IsRefusedAndNothingReachesTheAgent(string tool, string method, string parameters)
    {
        // Only /a2a/{connector} reads a message's task, context and webhooks; invoke-tool would send its a2a members unread.
        await using var setup = await StartAsync();
        var agent = setup.Gateway.Agent;
        var body = $"{{\"tool\":\"{tool}\",\"args\":{{\"text\":\"summarize\",\"task_id\":\"another-agents-task\",\"a2a_method\":\"{method}\",\"a2a\":{parameters}}}}}";

        using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", body));

        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("malformed_body", problem.GetProperty("code").GetString());
        Assert.Contains("/a2a/helper", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(setup.Agent.Received);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Reply)> PostAsync(Setup setup, string target, string body)
    {
        var agent = setup.Gateway.Agent;
        using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, target, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
