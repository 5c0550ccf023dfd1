namespace Gateway.Store.Tests;

/// <summary>A group commit's free waiters: none until one is returned, each taken once, at most MaxKept kept.</summary>
public sealed class GroupCommitWaiterPoolTests
{
    [Fact]
    public void TryTake_NoneReturned_IsNull()
    {
        var pool = new GroupCommitWaiterPool<object>();

        Assert.Null(pool.TryTake());
    }

    [Fact]
    public void TryTake_AfterReturn_GivesThatWaiterOnce()
    {
        var pool = new GroupCommitWaiterPool<object>();
        var waiter = new object();
        pool.Return(waiter);

        Assert.Same(waiter, pool.TryTake());
        Assert.Null(pool.TryTake());
    }

    [Fact]
    public void Return_PastMaxKept_TheRestAreNotKept()
    {
        var pool = new GroupCommitWaiterPool<object>();
        for (var i = 0; i < GroupCommitWaiterPool<object>.MaxKept + 10; i++)
        {
            pool.Return(new object());
        }

        var taken = 0;
        while (pool.TryTake() is not null)
        {
            taken++;
        }

        Assert.Equal(GroupCommitWaiterPool<object>.MaxKept, taken);
    }
}
