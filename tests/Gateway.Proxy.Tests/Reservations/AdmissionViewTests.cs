using Gateway.Proxy.Reservations;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Reservations;

public sealed class AdmissionViewTests
{
    private static readonly (string, string, string?) Agent = ("acme", "agent-1", "fp");
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Of_NothingSeen_IsNull() => Assert.Null(new AdmissionView(_time).Of(Agent));

    [Fact]
    public void Observe_AdmissionWithItsTokenStep_RemembersSwitchesAndGenerations()
    {
        var view = new AdmissionView(_time);

        view.Observe(Agent, Admitted(switchesOn: 0b100, generations: [3, 7]));

        var seen = view.Of(Agent);
        Assert.NotNull(seen);
        Assert.Equal((0b100u, 3L, 7L), (seen.SwitchesOn, seen.TenantGeneration, seen.AgentGeneration));
        Assert.Null(view.Of(("acme", "agent-2", "fp")));
    }

    [Fact]
    public void Observe_Replay_ChangesNothing()
    {
        var view = new AdmissionView(_time);

        view.Observe(Agent, new AdmissionOutcome(NonceFresh: false, 0b1, RateLimitOutcome.Admit));

        Assert.Null(view.Of(Agent));
    }

    [Fact]
    public void Observe_RateLimited_NotDecidedOnUntilItsWindowResets()
    {
        var view = new AdmissionView(_time);
        view.Observe(Agent, Admitted(switchesOn: 0, generations: [1, 1]));

        view.Observe(Agent, new AdmissionOutcome(NonceFresh: true, 0, new RateLimitOutcome(false, 0, TimeSpan.FromSeconds(30))));

        Assert.Null(view.Of(Agent));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(view.Of(Agent));
    }

    [Fact]
    public void Forget_AnAgentThenItsTenant_ForgetsThoseAndNoOtherTenants()
    {
        var view = new AdmissionView(_time);
        (string, string, string?) other = ("acme", "agent-2", "fp");
        (string, string, string?) elsewhere = ("globex", "agent-1", "fp");
        foreach (var agent in new[] { Agent, other, elsewhere })
        {
            view.Observe(agent, Admitted(switchesOn: 0, generations: [1, 1]));
        }

        view.Forget("acme", "agent-1");

        Assert.Null(view.Of(Agent));
        Assert.NotNull(view.Of(other));
        view.Forget("acme", null);
        Assert.Null(view.Of(other));
        Assert.NotNull(view.Of(elsewhere));
    }

    [Fact]
    public void Observe_DelegatedChild_NoKey_ChangesNothing()
    {
        var view = new AdmissionView(_time);

        view.Observe(null, Admitted(switchesOn: 0, generations: [1, 1]));

        Assert.Null(view.Of(null));
    }

    private static AdmissionOutcome Admitted(uint switchesOn, long[] generations) =>
        new(NonceFresh: true, switchesOn, RateLimitOutcome.Admit) { Token = new TokenRecordingOutcome(generations, TokenConsumption.NotAsked) };
}
