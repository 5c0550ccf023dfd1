namespace Gateway.Store.Tests;

/// <summary>Batched admissions with decision-token steps: each recorded and used as a single admission would, in arrival order.</summary>
public sealed partial class RedisAdmissionBatchTests
{
    [Fact]
    public async Task AdmitAsync_TwoRequestsOfOneBatchUsingOneToken_OnlyTheFirstUsesIt()
    {
        await using var batched = await StoreAsync(batch: true);
        var presented = _prefix + "token:presented";
        Assert.NotNull((await batched.AdmitAsync(Fresh([]) with { Token = new TokenRecording(presented, TimeSpan.FromMinutes(5), []) })).Token);
        await batched.IncrementAsync(_prefix + "gen", 2, expiry: null);

        var outcomes = await AdmitWhileHeldAsync(batched, [.. Enumerable.Range(0, 3).Select(i => Fresh([]) with
        {
            Token = new TokenRecording(_prefix + "token:" + i, TimeSpan.FromMinutes(5), [_prefix + "gen"]) { ConsumeKey = presented },
        })]);

        Assert.Equal([TokenConsumption.Consumed, TokenConsumption.AlreadyUsed, TokenConsumption.AlreadyUsed], outcomes.Select(o => o.Token!.Consumption));
        Assert.All(outcomes, o => Assert.Equal([2L], o.Token!.Generations));
        Assert.Equal([TokenRecording.Used, TokenRecording.Issued, TokenRecording.Issued, TokenRecording.Issued],
            await batched.GetManyAsync([presented, _prefix + "token:0", _prefix + "token:1", _prefix + "token:2"]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task AdmitAsync_RandomBatchWithTokenParts_DecidesAndRecordsAsSingleAdmissionsInTheSameOrder(int seed)
    {
        await using var batched = await StoreAsync(batch: true);
        await using var perRequest = await StoreAsync(batch: false);
        var batch = await PrepareTokenRunAsync(batched, "batched", seed);
        var reference = await PrepareTokenRunAsync(perRequest, "reference", seed);

        var (outcomes, expected, scriptCalls) = await AdmitBothWaysAsync(batched, batch, perRequest, reference);
        for (var i = 0; i < batch.Length; i++)
        {
            Assert.True(TokenDecision(expected[i]) == TokenDecision(outcomes[i]), $"request {i}: batched {TokenDecision(outcomes[i])}, per request {TokenDecision(expected[i])}");
        }

        Assert.True(scriptCalls <= 2, $"{scriptCalls} script calls for {batch.Length} admissions");

        Assert.Equal(await perRequest.GetManyAsync(TokenRecords("reference")), await batched.GetManyAsync(TokenRecords("batched")));
        var consumptions = outcomes.Where(o => o.Token is not null).Select(o => o.Token!.Consumption).ToHashSet();
        Assert.Superset(new HashSet<TokenConsumption> { TokenConsumption.NotAsked, TokenConsumption.Consumed, TokenConsumption.AlreadyUsed, TokenConsumption.NotRecorded }, consumptions);
        Assert.Contains(outcomes, o => !o.NonceFresh);
        Assert.Contains(outcomes, o => o.NonceFresh && !o.RateLimit.Admitted);
        Assert.Contains(outcomes, o => o.Budget is { Reserved: false });
    }

    [Fact]
    public async Task AdmitAsync_BatchWithTokenParts_OneSetPerRecordAndConsumeAndOneMgetOfGenerationKeysPerRun()
    {
        const int requests = 20;
        await using var store = await StoreAsync(batch: true);
        string[] generations = [_prefix + "cost:gen:tenant", _prefix + "cost:gen:agent"];
        await store.IncrementAsync(generations[0], 4, expiry: null);
        for (var i = 0; i < requests; i++)
        {
            Assert.NotNull((await store.AdmitAsync(Fresh([]) with { Token = new TokenRecording(_prefix + "cost:presented:" + i, Day, []) })).Token);
        }

        await _admin.ExecuteAsync("CONFIG", "RESETSTAT");
        var outcomes = await AdmitWhileHeldAsync(store, [.. Enumerable.Range(0, requests).Select(i => Fresh([]) with
        {
            Token = new TokenRecording(_prefix + "cost:record:" + i, Day, generations) { ConsumeKey = _prefix + "cost:presented:" + i },
        })]);
        var calls = await _admin.CommandCallsAsync();

        Assert.All(outcomes, o => Assert.Equal(("4,0", TokenConsumption.Consumed), (string.Join(",", o.Token!.Generations), o.Token.Consumption)));
        var scriptCalls = calls.GetValueOrDefault("evalsha") + calls.GetValueOrDefault("eval");
        Assert.InRange(scriptCalls, 1, 2);

        // Per request: SET NX the nonce, SET the record, GET and SET the presented record; per run: one MGET of the generation keys.
        Assert.Equal(3 * requests, calls.GetValueOrDefault("set"));
        Assert.Equal(requests, calls.GetValueOrDefault("get"));
        Assert.Equal(scriptCalls, calls.GetValueOrDefault("mget"));
        Assert.Equal(0, calls.GetValueOrDefault("exists") + calls.GetValueOrDefault("pttl"));
    }

    /// <summary>
    /// Forty admissions drawn with <paramref name="seed"/> with token parts over few records, so that they record a
    /// record again, use records recorded before the run, earlier in it or never, twice or after a refusal, read
    /// generation counters set or absent, and replay nonces, fill a window and overrun a budget, with the same state
    /// stored first under <paramref name="run"/>'s keys.
    /// </summary>
    private async Task<AdmissionRequest[]> PrepareTokenRunAsync(IStateStore store, string run, int seed)
    {
        var random = new Random(seed);
        var records = TokenRecords(run);
        string[] generations = [$"{_prefix}{run}:gen:0", $"{_prefix}{run}:gen:1", $"{_prefix}{run}:gen:2"];
        await store.IncrementAsync(generations[0], 3, expiry: null);
        await store.IncrementAsync(generations[2], 5, expiry: null);
        foreach (var (record, consume) in new[] { (records[0], (string?)null), (records[1], null), (records[11], records[1]) })
        {
            Assert.NotNull((await store.AdmitAsync(new AdmissionRequest($"{_prefix}{run}:nonce:prepare:{record}", "0", TimeSpan.FromMinutes(5), [], []) with
            {
                Token = new TokenRecording(record, Day, []) { ConsumeKey = consume },
            })).Token);
        }

        Assert.True(await store.TrySetIfAbsentAsync($"{_prefix}{run}:nonce:5", "0", TimeSpan.FromMinutes(5)));
        return [.. Enumerable.Range(0, 40).Select(_ => new AdmissionRequest(
            $"{_prefix}{run}:nonce:{random.Next(0, 36)}",
            "1700000000",
            TimeSpan.FromMinutes(5),
            [],
            [new RateLimitWindow($"{_prefix}{run}:window", 16, Day)])
        {
            Budget = random.Next(3) == 0 ? new BudgetReservation($"{_prefix}{run}:budget", random.Next(1, 400), 600, Day) : null,
            Token = random.Next(6) == 0 ? null : new TokenRecording(
                records[random.Next(records.Length - 1)],
                Day,
                [.. Enumerable.Range(0, random.Next(0, TokenRecording.MaxGenerationKeys + 1)).Select(_ => generations[random.Next(generations.Length)])])
            {
                ConsumeKey = random.Next(2) == 0 ? null : random.Next(8) == 0 ? $"{_prefix}{run}:token:unknown" : records[random.Next(6)],
            },
        })];
    }

    private string[] TokenRecords(string run) => [.. Enumerable.Range(0, 12).Select(i => $"{_prefix}{run}:token:{i}")];

    private static (bool Fresh, bool Admitted, bool? Reserved, TokenConsumption? Consumption, string? Generations) TokenDecision(AdmissionOutcome outcome) =>
        (outcome.NonceFresh, outcome.RateLimit.Admitted, outcome.Budget?.Reserved, outcome.Token?.Consumption, outcome.Token is { } token ? string.Join(",", token.Generations) : null);
}
