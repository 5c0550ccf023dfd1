using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Store.Tests;

/// <summary>The store's meter, observed with a real <see cref="MeterListener"/>.</summary>
public sealed class StateStoreMetricsTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task Operations_SuccessAndServerError_RecordDurationAndErrorsWithTags()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        await using var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10), Endpoint = fixture.Server.Endpoint }, meterFactory: meterFactory);
        var durations = new ConcurrentBag<(double Seconds, string? Operation)>();
        var errors = new ConcurrentBag<(string? Operation, string? Kind)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Gateway.Store" && instrument.Meter.Scope == meterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => durations.Add((value, Tag(tags, "operation"))));
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => errors.Add((Tag(tags, "operation"), Tag(tags, "error.kind"))));
        listener.Start();

        await store.SetAsync("metrics:text", "abc", null);
        await store.GetAsync("metrics:text");
        var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.IncrementAsync("metrics:text", 1, null));

        Assert.IsType<StackExchange.Redis.RedisServerException>(refused.InnerException);
        Assert.Contains(durations, d => d.Operation == "get" && d.Seconds > 0);
        Assert.Contains(durations, d => d.Operation == "set");
        Assert.Contains(durations, d => d.Operation == "increment");
        Assert.Equal(("increment", "server_error"), Assert.Single(errors));
    }

    [Theory]
    [InlineData(true, "log_append_settle", null)]
    [InlineData(false, "log_append_admit", "settle")]
    public async Task TryAppendAdmitting_Settle_RidesTheAppendOnlyWithBatchedBudgets(bool batchBudgets, string append, string? apart)
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        await using var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10), Endpoint = fixture.Server.Endpoint, BatchBudgets = batchBudgets }, meterFactory: meterFactory);
        var operations = new ConcurrentQueue<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Gateway.Store" && instrument.Meter.Scope == meterFactory && instrument.Name == "gateway.store.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => operations.Enqueue(Tag(tags, "operation")));
        var tag = $"{{metrics-{Guid.NewGuid():N}}}";
        var window = TimeSpan.FromHours(1);
        var reserved = await store.TryReserveAsync(tag + ":budget", 50, 100, window);
        Assert.True(reserved.Reserved);
        listener.Start();

        var result = await store.TryAppendAdmittingAsync(tag + ":log", 0, ["outcome"u8.ToArray()], null, [], null, [], [], [new BudgetSettle(tag + ":budget", 50, 20, window, reserved.Slot)]);

        listener.Dispose();
        Assert.True(result.Appended);
        Assert.Equal(apart is null ? [append] : [append, apart], operations.Where(o => o is not null && !o.StartsWith("ping", StringComparison.Ordinal)).ToArray());
        Assert.Equal(20, (await store.TryReserveAsync(tag + ":budget", 0, 100, window)).Used);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
