using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A revocation always wins over a refresh of the link in flight: the person's link is revoked (the admin API) after its
/// refresh read the link and got new tokens, while the refresh's write of them is held in the store; once the write goes
/// on, nothing brings the revoked link back: the call that refreshed is refused, the next call is
/// <c>upstream_account_not_linked</c>, and nothing was forwarded.
/// </summary>
public sealed class LinkRevocationDuringRefreshTests
{
    [Fact]
    public async Task InvokeTool_RevokedWhileItsRefreshIsBeingWritten_StaysRevokedAndTheNextCallIsNotLinked()
    {
        var hold = new LinkWriteHold();
        await using var gw = await PerPersonGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => hold.Wrap(store))));
        gw.Server.AccessTokenLifetime = 30;
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        gw.Server.AccessTokenLifetime = 3600;
        hold.Arm();
        var refreshing = gw.CallAsync("erin");
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        using var revoke = await gw.Gateway.Admin().DeleteAsync("/admin/v1/tenants/demo/connections/erin/crm.read_contact");
        hold.Release();
        using var during = await refreshing;
        using var next = await gw.CallAsync("erin", "c-2");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(1, gw.Server.Refreshes);
        Assert.True(during.StatusCode == HttpStatusCode.Forbidden, await during.Content.ReadAsStringAsync());
        await ProblemAssert.IsProblemAsync(next, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }
}

/// <summary>Holds the first write of a person's link record after <see cref="Arm"/> (a refresh's write) until <see cref="Release"/>.</summary>
internal sealed class LinkWriteHold
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes when the held write has arrived (the link was read and refreshed, nothing written yet).</summary>
    public Task Reached => _reached.Task;

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Release() => _released.TrySetResult();

    /// <summary>The gateway's own state store, with a link's write held here.</summary>
    public IStateStore Wrap(IStateStore inner) => InterceptedStateStore.Wrap(inner, (method, args, call) =>
    {
        if (!Takes(method.Name, args))
        {
            return call();
        }

        return method.ReturnType == typeof(ValueTask)
            ? new ValueTask(HeldAsync(() => ((ValueTask)call()!).AsTask()))
            : new ValueTask<bool>(HeldAsync(() => ((ValueTask<bool>)call()!).AsTask()));
    });

    /// <summary>True, once, for the first write of a link record (<c>{tenant}:linked:</c>, not its lease or index) after <see cref="Arm"/>.</summary>
    private bool Takes(string method, object?[]? args) =>
        method is nameof(IStateStore.SetAsync) or nameof(IStateStore.ReplaceIfEqualAsync)
        && args is [string key, ..] && key.Contains("}:linked:", StringComparison.Ordinal)
        && Interlocked.Exchange(ref _armed, 0) == 1;

    private async Task HeldAsync(Func<Task> write)
    {
        _reached.TrySetResult();
        await _released.Task;
        await write();
    }

    private async Task<bool> HeldAsync(Func<Task<bool>> write)
    {
        _reached.TrySetResult();
        await _released.Task;
        return await write();
    }
}
