namespace Gateway.Store.Tests;

/// <summary>How the tests hold the server while a burst queues: its scripts paused, every admission started, then released.</summary>
public sealed partial class RedisAdmissionBatchTests
{
    /// <summary>
    /// Holds every script the server is sent (<c>CLIENT PAUSE WRITE</c>, in force once it answers) until
    /// <see cref="ReleaseServerAsync"/>, the server's restart, or a bound of <paramref name="seconds"/> (a test that fails first).
    /// </summary>
    private Task HoldServerAsync(int seconds = 30) =>
        _admin.ExecuteAsync("CLIENT", "PAUSE", (seconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), "WRITE");

    /// <summary>Lets the held scripts run (<c>CLIENT UNPAUSE</c>).</summary>
    private Task ReleaseServerAsync() => _admin.ExecuteAsync("CLIENT", "UNPAUSE");

    /// <summary>
    /// <paramref name="batch"/> admitted as one batch (<see cref="AdmitWhileHeldAsync"/>), with the script calls that took,
    /// then <paramref name="reference"/> one at a time in order.
    /// </summary>
    private async Task<(AdmissionOutcome[] Batched, List<AdmissionOutcome> PerRequest, long BatchedScriptCalls)> AdmitBothWaysAsync(
        IStateStore batched, AdmissionRequest[] batch, IStateStore perRequest, AdmissionRequest[] reference)
    {
        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var outcomes = await AdmitWhileHeldAsync(batched, batch);
        var calls = await _admin.CommandCallsAsync();
        var expected = new List<AdmissionOutcome>();
        foreach (var request in reference)
        {
            expected.Add(await perRequest.AdmitAsync(request));
        }

        return (outcomes, expected, calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval"));
    }

    /// <summary>
    /// Starts every admission in order while the server is held (the first goes in flight, the rest queue: each is queued
    /// before <see cref="RedisStateStore.AdmitAsync"/> returns), releases it, then awaits them.
    /// </summary>
    private async Task<AdmissionOutcome[]> AdmitWhileHeldAsync(IStateStore store, IReadOnlyList<AdmissionRequest> requests)
    {
        await HoldServerAsync();
        Task<AdmissionOutcome>[] admissions;
        try
        {
            admissions = [.. requests.Select(r => store.AdmitAsync(r).AsTask())];
        }
        finally
        {
            await ReleaseServerAsync();
        }

        return await Task.WhenAll(admissions);
    }
}
