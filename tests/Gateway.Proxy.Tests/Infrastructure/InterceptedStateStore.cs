using System.Reflection;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The gateway's own state store with every call passed through a test's interceptor (wrapped in with
/// <see cref="WrappedStateStoreFactory"/>): it gets the method, the arguments and the call to the store, and answers the
/// call's result, so that a test can hold or note a chosen call and pass the others on.
/// </summary>
public class InterceptedStateStore : DispatchProxy
{
    private IStateStore _inner = null!;
    private Func<MethodInfo, object?[]?, Func<object?>, object?> _intercept = null!;

    public static IStateStore Wrap(IStateStore inner, Func<MethodInfo, object?[]?, Func<object?>, object?> intercept)
    {
        var proxy = Create<IStateStore, InterceptedStateStore>();
        var intercepted = (InterceptedStateStore)(object)proxy;
        intercepted._inner = inner;
        intercepted._intercept = intercept;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return _intercept(targetMethod, args, () => targetMethod.Invoke(_inner, args));
    }
}
