using Gateway.Admin.Tokens;

namespace Gateway.Admin.Tests.Tokens;

/// <summary>
/// An admin token store that lets a test hold its next add before it reaches the store (<see cref="HoldNextAdd"/>) or its
/// next listing after it read the tokens (<see cref="HoldNextList"/>), each once, awaiting the test's signals; every other call passes.
/// </summary>
internal sealed class HeldAdminTokenStore(IAdminTokenStore inner) : IAdminTokenStore
{
    private Func<Task>? _beforeAdd;
    private Func<Task>? _afterList;

    /// <summary>The next <see cref="TryAddAsync"/> awaits <paramref name="hold"/> before the token is stored.</summary>
    public void HoldNextAdd(Func<Task> hold) => _beforeAdd = hold;

    /// <summary>The next listing awaits <paramref name="hold"/> after it read the tokens, before it answers.</summary>
    public void HoldNextList(Func<Task> hold) => _afterList = hold;

    public ValueTask<AdminTokenRecord?> GetAsync(string hash, CancellationToken cancellationToken = default) => inner.GetAsync(hash, cancellationToken);

    public ValueTask<string?> FindHashAsync(string scopedName, CancellationToken cancellationToken = default) => inner.FindHashAsync(scopedName, cancellationToken);

    public async ValueTask<bool> TryAddAsync(string hash, AdminTokenRecord record, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _beforeAdd, null) is { } hold)
        {
            await hold();
        }

        return await inner.TryAddAsync(hash, record, cancellationToken);
    }

    public ValueTask PutAsync(string hash, AdminTokenRecord record, bool bindName, CancellationToken cancellationToken = default) =>
        inner.PutAsync(hash, record, bindName, cancellationToken);

    public async ValueTask<IReadOnlyList<AdminTokenRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        await HeldAsync(await inner.ListAsync(cancellationToken));

    public async ValueTask<IReadOnlyList<AdminTokenRecord>> ListTenantAsync(string tenant, CancellationToken cancellationToken = default) =>
        await HeldAsync(await inner.ListTenantAsync(tenant, cancellationToken));

    private async Task<IReadOnlyList<AdminTokenRecord>> HeldAsync(IReadOnlyList<AdminTokenRecord> listed)
    {
        if (Interlocked.Exchange(ref _afterList, null) is { } hold)
        {
            await hold();
        }

        return listed;
    }
}
