using System.Text;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Kinds;

/// <summary>The <c>a2a</c> and <c>a2a_skill</c> kinds: where a skill's call goes, the envelope it sends, and what they refuse.</summary>
public sealed class A2aConnectorTypesTests
{
    private static readonly CatalogEntry Helper = new()
    {
        Name = "helper",
        Kind = ConnectorKind.A2a,
        ActionType = ActionType.Read,
        Upstream = new Uri("http://agent.test/a2a"),
    };

    private static readonly CatalogEntry Summarize = new()
    {
        Name = "helper.summarize",
        Kind = ConnectorKind.A2aSkill,
        ActionType = ActionType.Read,
        Connector = "helper",
        A2aSkill = "summarize",
    };

    private static readonly CatalogEntry Wire = Summarize with { Name = "helper.wire", A2aSkill = "wire", ActionType = ActionType.External };

    private static TenantPolicy Tenant(params CatalogEntry[] catalog) =>
        TenantPolicy.Create(new TenantRegister { Tenant = "acme", Catalog = catalog }, new string('0', 64));

    private static JsonElement Args(string method, string parameters) =>
        JsonDocument.Parse($"{{\"skill\":\"summarize\",\"text\":\"hi\",\"a2a_method\":\"{method}\",\"a2a\":{parameters}}}").RootElement.Clone();

    [Fact]
    public void Skill_IsForwardedToItsAgent_AndAnsweredAsAJsonRpcReply()
    {
        var type = Summarize.Type();

        Assert.Same(Helper, type.ForwardedEntry(Tenant(Helper, Summarize), Summarize));
        Assert.Equal("helper", type.ForwardedConnectorName(Summarize));
        Assert.False(type.HasOwnUpstream);
        Assert.True(type.ResultIsJsonRpcReply);
        Assert.True(Helper.Type().ResultIsJsonRpcReply);
        Assert.Equal(ErrorFormat.JsonRpc, Helper.Type().ErrorFormat);
    }

    [Fact]
    public void Skill_WhoseConnectorIsNotAnA2aAgent_HasNowhereToGo()
    {
        var mcp = Helper with { Kind = ConnectorKind.Mcp };

        Assert.Null(Summarize.Type().ForwardedEntry(Tenant(mcp, Summarize), Summarize));
        Assert.Null(Summarize.Type().ForwardedEntry(Tenant(Summarize), Summarize));
    }

    [Fact]
    public void BuildEnvelope_Message_IsTheRequestUnderAGatewayId()
    {
        var envelope = UpstreamEnvelopes.Build(Summarize, Args("SendMessage", "{\"message\":{\"messageId\":\"m1\",\"parts\":[{\"text\":\"hi\"}]}}"), degrade: null);

        using var sent = JsonDocument.Parse(envelope.Body!);
        Assert.Equal("POST", envelope.Method);
        Assert.Equal("SendMessage", sent.RootElement.GetProperty("method").GetString());
        Assert.Equal(envelope.JsonRpcId, sent.RootElement.GetProperty("id").GetString());
        Assert.StartsWith("a2a-", envelope.JsonRpcId, StringComparison.Ordinal);
        Assert.Equal("m1", sent.RootElement.GetProperty("params").GetProperty("message").GetProperty("messageId").GetString());
        Assert.False(sent.RootElement.GetProperty("params").TryGetProperty("skill", out _));
        Assert.Contains(envelope.Headers, h => h.Key == "A2A-Version" && h.Value == "1.0");
    }

    [Fact]
    public void BuildEnvelope_Version03Method_SaysSo()
    {
        var envelope = UpstreamEnvelopes.Build(Summarize, Args("message/send", "{\"message\":{\"parts\":[]}}"), degrade: null);

        Assert.Contains(envelope.Headers, h => h.Key == "A2A-Version" && h.Value == "0.3");
    }

    [Fact]
    public void BuildEnvelope_StreamedMethod_HasAStreamId()
    {
        Assert.StartsWith("a2a-stream-", UpstreamEnvelopes.Build(Summarize, Args("SendStreamingMessage", "{\"message\":{\"parts\":[]}}"), degrade: null).JsonRpcId, StringComparison.Ordinal);
        Assert.StartsWith("a2a-stream-", UpstreamEnvelopes.Build(Summarize, Args("message/stream", "{\"message\":{\"parts\":[]}}"), degrade: null).JsonRpcId, StringComparison.Ordinal);
        Assert.DoesNotContain("stream", UpstreamEnvelopes.Build(Summarize, Args("SendMessage", "{\"message\":{\"parts\":[]}}"), degrade: null).JsonRpcId, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildEnvelope_WithoutTheRequest_IsRefused() =>
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(Summarize, JsonDocument.Parse("{\"text\":\"hi\"}").RootElement, degrade: null));

    [Fact]
    public void BuildEnvelope_WritingSkillUnderReadOnly_IsRefused() =>
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(Wire, Args("SendMessage", "{\"message\":{\"parts\":[]}}"), DegradeSpec.DefaultReadOnly));

    [Fact]
    public void BuildEnvelope_AgentEntry_CarriesATaskReadAndListingButNotACancelUnderReadOnly()
    {
        var read = JsonDocument.Parse("{\"task_id\":\"t1\",\"a2a_method\":\"GetTask\",\"a2a\":{\"id\":\"t1\"}}").RootElement;
        var cancel = JsonDocument.Parse("{\"task_id\":\"t1\",\"a2a_method\":\"CancelTask\",\"a2a\":{\"id\":\"t1\"}}").RootElement;

        var list = JsonDocument.Parse("{\"list_tasks\":true,\"a2a_method\":\"ListTasks\",\"a2a\":{}}").RootElement;

        Assert.Contains("\"GetTask\"", Encoding.UTF8.GetString(UpstreamEnvelopes.Build(Helper, read, DegradeSpec.DefaultReadOnly).Body!), StringComparison.Ordinal);
        Assert.Contains("\"ListTasks\"", Encoding.UTF8.GetString(UpstreamEnvelopes.Build(Helper, list, DegradeSpec.DefaultReadOnly).Body!), StringComparison.Ordinal);
        Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(Helper, cancel, DegradeSpec.DefaultReadOnly));
        Assert.Throws<ConnectorArgumentException>(() => UpstreamEnvelopes.Build(Helper, Args("SendMessage", "{}"), degrade: null));
    }

    [Theory]
    [InlineData("CreateTaskPushNotificationConfig", true)]
    [InlineData("tasks/pushNotificationConfig/delete", true)]
    [InlineData("GetTaskPushNotificationConfig", false)]
    [InlineData("tasks/pushNotificationConfig/list", false)]
    public void BuildEnvelope_PushConfigUnderReadOnly_IsRefusedOnlyWhenItChangesTheConfig(string method, bool refused)
    {
        var args = JsonDocument.Parse("{\"task_id\":\"t1\",\"push_config\":true,\"a2a_method\":\"" + method + "\",\"a2a\":{\"taskId\":\"t1\"}}").RootElement;

        if (refused)
        {
            Assert.Throws<DegradeRefusedException>(() => UpstreamEnvelopes.Build(Helper, args, DegradeSpec.DefaultReadOnly));
        }
        else
        {
            Assert.Contains(method, Encoding.UTF8.GetString(UpstreamEnvelopes.Build(Helper, args, DegradeSpec.DefaultReadOnly).Body!), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AgentAndSkill_HaveNoTransparentOperation()
    {
        Assert.Null(Helper.Type().MatchOperation(Tenant(Helper), Helper, "POST", []));
        Assert.Null(Summarize.Type().MatchOperation(Tenant(Helper, Summarize), Summarize, "POST", []));
        Assert.NotNull(Helper.Type().NotInvocableReason(Helper));
    }
}
