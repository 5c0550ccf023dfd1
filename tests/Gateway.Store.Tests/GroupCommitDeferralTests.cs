namespace Gateway.Store.Tests;

/// <summary>
/// The starts a thread holds back while it completes a whole group inline: held only inside a scope, made in order when
/// the outermost scope ends, each once, and a start made while the held ones run is not held.
/// </summary>
public sealed class GroupCommitDeferralTests
{
    [Fact]
    public void TryHold_NoScope_IsNotHeld()
    {
        var started = 0;

        Assert.False(GroupCommitDeferral.TryHold(() => started++));
        Assert.Equal(0, started);
    }

    [Fact]
    public void TryHold_InScope_MadeInOrderWhenTheScopeEnds()
    {
        var started = new List<int>();
        using (GroupCommitDeferral.Begin())
        {
            Assert.True(GroupCommitDeferral.TryHold(() => started.Add(1)));
            Assert.True(GroupCommitDeferral.TryHold(() => started.Add(2)));
            Assert.Empty(started);
        }

        Assert.Equal([1, 2], started);
        Assert.False(GroupCommitDeferral.TryHold(() => started.Add(3)));
    }

    [Fact]
    public void TryHold_InANestedScope_MadeWhenTheOuterScopeEnds()
    {
        var started = new List<int>();
        using (GroupCommitDeferral.Begin())
        {
            using (GroupCommitDeferral.Begin())
            {
                GroupCommitDeferral.TryHold(() => started.Add(1));
            }

            Assert.Empty(started);
        }

        Assert.Equal([1], started);
    }

    [Fact]
    public void Dispose_AHeldStartBeginsAScopeOfItsOwn_EveryStartMadeOnce()
    {
        var started = new List<string>();
        using (GroupCommitDeferral.Begin())
        {
            // A held start whose store call completes at once completes its own group inline, in a scope of its own.
            GroupCommitDeferral.TryHold(() =>
            {
                started.Add("outer-1");
                using (GroupCommitDeferral.Begin())
                {
                    GroupCommitDeferral.TryHold(() => started.Add("inner"));
                }
            });
            GroupCommitDeferral.TryHold(() => started.Add("outer-2"));
        }

        Assert.Equal(["outer-1", "inner", "outer-2"], started);
    }

    [Fact]
    public void TryHold_ScopeOnAnotherThread_NotHeldThere()
    {
        var held = true;
        using (GroupCommitDeferral.Begin())
        {
            var other = new Thread(() => held = GroupCommitDeferral.TryHold(() => { }));
            other.Start();
            other.Join();
        }

        Assert.False(held);
    }
}
