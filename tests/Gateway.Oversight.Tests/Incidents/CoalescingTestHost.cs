using System.Reflection;
using Gateway.Oversight.Incidents;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Oversight.Tests.Incidents;

/// <summary>A started oversight host whose clock a test moves, notifying a webhook, over an in-memory store that can refuse the notification window's claims.</summary>
internal sealed class CoalescingTestHost : IAsyncDisposable
{
    private readonly OversightTestHost _host;

    private CoalescingTestHost(OversightTestHost host, MovableClock clock)
    {
        _host = host;
        Clock = clock;
    }

    public MovableClock Clock { get; }

    public static async Task<CoalescingTestHost> StartAsync(Uri webhook, string? window = null, bool windowStoreDown = false, bool firstAppendFails = false)
    {
        var clock = new MovableClock();
        IStateStore store = new InMemoryStateStore(clock);
        if (windowStoreDown)
        {
            store = WindowRefusingStore.Wrap(store);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Incidents:WebhookUrl"] = webhook.ToString(),
            ["Gateway:Incidents:InitialBackoff"] = "00:00:00.050",
            ["Gateway:Incidents:MaxBackoff"] = "00:00:00.200",
        };
        if (window is not null)
        {
            settings["Gateway:Incidents:NotificationWindow"] = window;
        }

        var host = await OversightTestHost.StartAsync(settings, store, clock, services =>
        {
            if (firstAppendFails)
            {
                services.AddSingleton<IIncidentStore>(new FailFirstAppendIncidentStore(new StateStoreIncidentStore(store)));
            }
        });
        return new CoalescingTestHost(host, clock);
    }

    public T Get<T>()
        where T : notnull => _host.Get<T>();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    /// <summary>The real clock plus <see cref="Offset"/>: store expiry follows it, the notifier's timers stay real.</summary>
    internal sealed class MovableClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    /// <summary>A store that is unavailable for the notification window's set-if-absent only (DispatchProxy needs an unsealed class).</summary>
#pragma warning disable CA1852
    internal class WindowRefusingStore : DispatchProxy
#pragma warning restore CA1852
    {
        private IStateStore _inner = null!;

        public static IStateStore Wrap(IStateStore inner)
        {
            var proxy = Create<IStateStore, WindowRefusingStore>();
            ((WindowRefusingStore)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IStateStore.TrySetIfAbsentAsync) && args?[0] is string key && key.Contains(":incident-notified:", StringComparison.Ordinal))
            {
                return ValueTask.FromException<bool>(new StateStoreUnavailableException("refused by the test"));
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        }
    }
}
