using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Wraps whatever <see cref="IStateStore"/> the gateway finally registered, after all of its own registrations: the
/// container's last registration is replaced by <paramref name="wrap"/> around the store it would have made.
/// </summary>
internal sealed class WrappedStateStoreFactory(Func<IServiceProvider, IStateStore, IStateStore> wrap) : IServiceProviderFactory<IServiceCollection>
{
    public IServiceCollection CreateBuilder(IServiceCollection services) => services;

    public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
    {
        var original = containerBuilder.Last(d => d.ServiceType == typeof(IStateStore));
        containerBuilder.Remove(original);
        containerBuilder.AddSingleton(sp => wrap(sp, Create(sp, original)));
        return containerBuilder.BuildServiceProvider();
    }

    private static IStateStore Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
        (IStateStore)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));
}
