using System.Reflection;
using Gateway.Store;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A state store that holds the first call of one method on a key with a chosen prefix before it reaches the store
/// (<see cref="Reached"/> is set, with the key in <see cref="HeldKey"/>) until the test sets <see cref="Release"/>; every
/// other call passes.
/// </summary>
public class HeldCallStore : DispatchProxy
{
    private IStateStore _inner = null!;
    private string _method = null!;
    private string _prefix = null!;
    private int _held;

    /// <summary>Set once the held call has arrived (nothing of it done at the store yet).</summary>
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The test sets it to let the held call go on to the store.</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The key of the held call, once it arrived.</summary>
    public string? HeldKey { get; private set; }

    public static (IStateStore Store, HeldCallStore Hold) Wrap(IStateStore inner, string method, string prefix)
    {
        var proxy = Create<IStateStore, HeldCallStore>();
        var hold = (HeldCallStore)(object)proxy;
        hold._inner = inner;
        hold._method = method;
        hold._prefix = prefix;
        return (proxy, hold);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name != _method || args?[0] is not string key || !key.StartsWith(_prefix, StringComparison.Ordinal)
            || Interlocked.Exchange(ref _held, 1) == 1)
        {
            return targetMethod.Invoke(_inner, args);
        }

        HeldKey = key;
        return targetMethod.ReturnType == typeof(ValueTask)
            ? new ValueTask(HoldAsync(async () => await ((ValueTask)targetMethod.Invoke(_inner, args)!).ConfigureAwait(false)))
            : new ValueTask<long>(HoldAsync(async () => await ((ValueTask<long>)targetMethod.Invoke(_inner, args)!).ConfigureAwait(false)));
    }

    private async Task HoldAsync(Func<Task> call)
    {
        Reached.SetResult();
        await Release.Task.ConfigureAwait(false);
        await call().ConfigureAwait(false);
    }

    private async Task<long> HoldAsync(Func<Task<long>> call)
    {
        Reached.SetResult();
        await Release.Task.ConfigureAwait(false);
        return await call().ConfigureAwait(false);
    }
}
