using System.Text.Json;
using Gamut.Agent.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace Gamut.Agent.Tests;

/// <summary>
/// Microsoft.Extensions.AI 10.11 in a real agent loop: FunctionInvokingChatClient over GamutChatClient (the
/// governed model action; the LLM is the suite's FAKE model server behind the real gateway) with
/// GamutToolFunction tools over invokeTool. An allowed call reaches the upstream; a denied one never does,
/// and the model sees why.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ExtensionsAITests(GatewayEnvironment env) : IDisposable
{
    private static readonly JsonElement ContactSchema = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""").RootElement.Clone();
    private static readonly JsonElement ShellSchema = JsonDocument.Parse("""{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}""").RootElement.Clone();
    private readonly GamutClient _gamut = new(env.Demo);

    public void Dispose() => _gamut.Dispose();

    private (IChatClient Chat, ChatOptions Options) Agent()
    {
        var chat = new ChatClientBuilder(new GamutChatClient(_gamut, "gpt-4o-mini")).UseFunctionInvocation().Build();
        var options = new ChatOptions
        {
            Tools =
            [
                new GamutToolFunction(_gamut, "crm.read_contact", "Reads a CRM contact.", ContactSchema),
                new GamutToolFunction(_gamut, "shell.exec", "Runs a shell command.", ShellSchema),
            ],
        };
        return (chat, options);
    }

    [Fact]
    public async Task AgentLoop_AllowedToolCall_ReachesTheUpstream()
    {
        var before = env.Upstream.Count("/crm/contacts/42");
        var models = env.Upstream.Count("/v1/chat/completions");
        var (chat, options) = Agent();
        var response = await chat.GetResponseAsync("call crm_read_contact {\"id\":\"42\"}", options);
        Assert.Matches("The tool answered: .*Dana Example", response.Text);
        Assert.Equal(before + 1, env.Upstream.Count("/crm/contacts/42"));
        Assert.Equal(models + 2, env.Upstream.Count("/v1/chat/completions"));
    }

    [Fact]
    public async Task AgentLoop_DeniedToolCall_NeverReachesTheUpstream_AndTheModelSeesWhy()
    {
        var (chat, options) = Agent();
        var response = await chat.GetResponseAsync("call shell_exec {\"cmd\":\"rm -rf /\"}", options);
        Assert.Contains("The tool answered: REFUSED by the gateway (block)", response.Text, StringComparison.Ordinal);
        Assert.Contains("tool_permission: tool 'shell.exec' is not permitted", response.Text, StringComparison.Ordinal);
        Assert.Equal(0, env.Upstream.Count("/exec"));
    }
}
