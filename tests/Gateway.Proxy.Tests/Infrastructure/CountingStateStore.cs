using System.Collections.Concurrent;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>Passes every call to the real store and notes it, with the id of the request that made it ("" outside a request).</summary>
public sealed class CountingStateStore(IStateStore inner, ConcurrentQueue<(string Request, string Call)> calls, IHttpContextAccessor http) : IStateStore
{
    /// <summary>Puts a counting store around the gateway's real one, noting every call into <paramref name="calls"/>.</summary>
    public static void CountInto(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder, ConcurrentQueue<(string Request, string Call)> calls)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((sp, store) =>
            new CountingStateStore(store, calls, sp.GetRequiredService<IHttpContextAccessor>())));
    }

    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) => Note(inner.TrySetIfAbsentAsync(key, value, expiry, cancellationToken), "set_if_absent");

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) => Note(inner.GetAsync(key, cancellationToken), "get");

    public ValueTask<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => Note(inner.GetManyAsync(keys, cancellationToken), "get_many");

    public ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) => Note(inner.SetAsync(key, value, expiry, cancellationToken), "set");

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Note(inner.DeleteAsync(key, cancellationToken), "delete");

    public ValueTask<bool> ReplaceIfEqualAsync(string key, string expected, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) => Note(inner.ReplaceIfEqualAsync(key, expected, value, expiry, cancellationToken), "replace_if_equal");

    public ValueTask<bool> DeleteIfEqualAsync(string key, string expected, CancellationToken cancellationToken = default) => Note(inner.DeleteIfEqualAsync(key, expected, cancellationToken), "delete_if_equal");

    public ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default) => Note(inner.TakeAsync(key, cancellationToken), "take");

    public ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default) => Note(inner.IncrementAsync(key, delta, expiry, cancellationToken), "increment");

    public ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default) => Note(inner.TryReserveAsync(key, amount, limit, window, cancellationToken), "reserve");

    public ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, long slot, CancellationToken cancellationToken = default) => Note(inner.SettleAsync(key, reserved, actual, window, slot, cancellationToken), "settle");

    public ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default) => Note(inner.AdjustCountersAsync(adjustments, cancellationToken), "adjust_counters");

    public ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default) => Note(inner.SetAddAsync(key, member, expiry, cancellationToken), "set_add");

    public ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default) => Note(inner.SetMembersAsync(key, cancellationToken), "set_members");

    public ValueTask<bool> SetRemoveAsync(string key, string member, CancellationToken cancellationToken = default) => Note(inner.SetRemoveAsync(key, member, cancellationToken), "set_remove");

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default) => Note(inner.TryAppendAsync(logKey, expectedLength, entry, cancellationToken), "append");
    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default) => Note(inner.TryAppendAsync(logKey, expectedLength, entries, cancellationToken), "append");
    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default) => Note(inner.TryAppendAsync(logKey, expectedLength, entries, hashKey, fields, cancellationToken), "append");
    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default) => Note(inner.TryAppendAsync(logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries, cancellationToken), "append");

    public ValueTask<AppendAdmission> TryAppendAdmittingAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default) => Note(inner.TryAppendAdmittingAsync(logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries, NoteAdmissions(admissions, "append_admit"), settles, cancellationToken), "append_admit");

    public ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default) => Note(inner.HashGetAsync(hashKey, field, cancellationToken), "hash_get");

    public ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default) => Note(inner.HashLengthAsync(hashKey, cancellationToken), "hash_length");

    public ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default) => Note(inner.LogLengthAsync(logKey, cancellationToken), "log_length");

    public ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default) => Note(inner.ReadLogAsync(logKey, start, count, cancellationToken), "read_log");

    public ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default) => Note(inner.AdmitAsync(NoteAdmissions([request], "admit")[0], cancellationToken), "admit");

    public ValueTask<TokenConsumption> ConsumeTokenAsync(string recordKey, IReadOnlyList<KeyValuePair<string, string?>>? unchanged = null, CancellationToken cancellationToken = default) => Note(inner.ConsumeTokenAsync(recordKey, unchanged, cancellationToken), "consume_token");

    public ValueTask PingAsync(CancellationToken cancellationToken = default) => Note(inner.PingAsync(cancellationToken), "ping");

    /// <summary>The key an admission's call is noted under besides its request's: <c>"nonce "</c> and its nonce key, whichever request's call carried it.</summary>
    public static string AdmissionOf(string nonceKey) => "nonce " + nonceKey;

    private IReadOnlyList<AdmissionRequest> NoteAdmissions(IReadOnlyList<AdmissionRequest> admissions, string call)
    {
        foreach (var admission in admissions)
        {
            calls.Enqueue((AdmissionOf(admission.NonceKey), call));
        }

        return admissions;
    }

    private T Note<T>(T result, string call)
    {
        calls.Enqueue((http.HttpContext?.TraceIdentifier ?? string.Empty, call));
        return result;
    }
}
