using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.DecisionTokenCalls;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A consuming verification whose store step is held after its read found the token live: a suspension that lands in
/// between wins, so the call answers <c>revoked</c>, <c>agent_revoked</c> and leaves the token's record unused.
/// </summary>
public sealed partial class DecisionTokenVerifyTests
{
    [Fact]
    public async Task Consume_AgentSuspendedBetweenTheReadAndTheUse_IsRevokedNotLive()
    {
        var hold = new ConsumeHold();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => hold.Wrap(store))));
        using var executor = Bearer(gw.Host.BaseAddress, await IssueExecutorTokenAsync(gw.Admin(), "crm-executor"));
        using (var forwarded = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            await DecisionJson.DecisionAsync(forwarded, "allow");
        }

        var token = gw.Upstream.To("/crm/contacts/")[^1].Headers[Header];
        AssertStatus(await VerifyAsync(executor, token), "live");

        var consuming = ConsumeAsync(executor, token);
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        using (var suspend = await gw.Admin().PostAsync(AgentPath + "/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        hold.Release();
        var answer = await consuming;

        AssertStatus(answer, "revoked", "agent_revoked");
        Assert.False(answer.GetProperty("consumed").GetBoolean());
        Assert.Equal(TokenRecording.Issued, await gw.Host.Services.GetRequiredService<IStateStore>().GetAsync(hold.RecordKey!));
    }

    /// <summary>Holds the first consume of a decision token's record (after the verification's read) until <see cref="Release"/>.</summary>
    private sealed class ConsumeHold
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _taken;

        /// <summary>Completes when the held consume has arrived (the token was read live, nothing used up yet).</summary>
        public Task Reached => _reached.Task;

        /// <summary>The record the held consume names.</summary>
        public string? RecordKey { get; private set; }

        public void Release() => _released.TrySetResult();

        /// <summary>The gateway's own state store, with its first token consume held here.</summary>
        public IStateStore Wrap(IStateStore inner) => InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.ConsumeTokenAsync) && Interlocked.Exchange(ref _taken, 1) == 0
                ? new ValueTask<TokenConsumption>(HeldAsync((string)args![0]!, () => ((ValueTask<TokenConsumption>)call()!).AsTask()))
                : call());

        private async Task<TokenConsumption> HeldAsync(string recordKey, Func<Task<TokenConsumption>> consume)
        {
            RecordKey = recordKey;
            _reached.TrySetResult();
            await _released.Task;
            return await consume();
        }
    }
}
