namespace Gateway.Store.Tests;

/// <summary>The contract's decision-token step (<see cref="AdmissionRequest.Token"/>), made in the admission's one step.</summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task Admit_WithToken_RecordsItReadsGenerationsAndUsesAPresentedRecordOnce()
    {
        string tenant = Key("gen-tenant"), agent = Key("gen-agent");
        await Store.IncrementAsync(agent, 3, expiry: null);

        var recorded = await Store.AdmitAsync(WithToken("token-first", "token:a"));
        Assert.Equal([0L, 3L], recorded.Token!.Generations);
        Assert.Equal(TokenConsumption.NotAsked, recorded.Token.Consumption);
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(Key("token:a")));

        var used = await Store.AdmitAsync(WithToken("token-use", "token:b", consume: "token:a"));
        Assert.Equal(TokenConsumption.Consumed, used.Token!.Consumption);
        Assert.Equal(TokenRecording.Used, await Store.GetAsync(Key("token:a")));
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(Key("token:b")));

        Assert.Equal(TokenConsumption.AlreadyUsed, (await Store.AdmitAsync(WithToken("token-again", "token:c", consume: "token:a"))).Token!.Consumption);
        Assert.Equal(TokenConsumption.NotRecorded, (await Store.AdmitAsync(WithToken("token-unknown", "token:d", consume: "token:never"))).Token!.Consumption);

        await Store.IncrementAsync(tenant, 1, expiry: null);
        Assert.Equal([1L, 3L], (await Store.AdmitAsync(WithToken("token-later", "token:e"))).Token!.Generations);
        Assert.Equal([TokenRecording.Used, "1", "3", null], await Store.GetManyAsync([Key("token:a"), tenant, agent, Key("absent")]));

        AdmissionRequest WithToken(string nonce, string record, string? consume = null) => Admission(nonce, [], []) with
        {
            Token = new TokenRecording(Key(record), TimeSpan.FromMinutes(5), [tenant, agent]) { ConsumeKey = consume is null ? null : Key(consume) },
        };
    }

    [Fact]
    public async Task Admit_WithTokenReplayedOrRefused_RecordsAndUsesNothing()
    {
        var presented = Key("token:presented");
        Assert.NotNull((await Store.AdmitAsync(Admission("token-seed", [], []) with { Token = Token("token:presented") })).Token);
        var window = new RateLimitWindow(Key("token-rl"), 1, LongWindow);
        var first = Admission("token-first", [], [window]) with { Token = Token("token:first") };
        Assert.NotNull((await Store.AdmitAsync(first)).Token);

        var replay = await Store.AdmitAsync(first with { Token = Token("token:replay", presented) });
        var limited = await Store.AdmitAsync(Admission("token-limited", [], [window]) with { Token = Token("token:limited", presented) });
        var overBudget = await Store.AdmitAsync(Admission("token-budget", [], []) with
        {
            Budget = new BudgetReservation(Key("token-budget"), 60, 10, LongWindow),
            Token = Token("token:budget", presented),
        });

        Assert.Null(replay.Token);
        Assert.Null(limited.Token);
        Assert.False(overBudget.Budget!.Value.Reserved);
        Assert.Null(overBudget.Token);
        Assert.Equal([TokenRecording.Issued, null, null, null], await Store.GetManyAsync([presented, Key("token:replay"), Key("token:limited"), Key("token:budget")]));

        TokenRecording Token(string record, string? consume = null) =>
            new(Key(record), TimeSpan.FromMinutes(5), [Key("gen")]) { ConsumeKey = consume };
    }

    [Fact]
    public Task Admit_TokenRecord_ExpiresWithItsLifetimeAndKeepsItWhenUsed() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.NotNull((await Store.AdmitAsync(Admission("token-short", [], []) with { Token = new TokenRecording(Key("token:short"), ShortExpiry, []) })).Token);
            Assert.Equal(TokenConsumption.Consumed, (await Store.AdmitAsync(Admission("token-short-use", [], []) with
            {
                Token = new TokenRecording(Key("token:other"), TimeSpan.FromMinutes(5), []) { ConsumeKey = Key("token:short") },
            })).Token!.Consumption);
        },
        expired: async () => await Store.GetAsync(Key("token:short")) is null,
        after: async () => Assert.Equal(TokenRecording.Issued, await Store.GetAsync(Key("token:other"))));

    [Fact]
    public async Task Admit_TokenRecordIsTheNonce_RecordedOnceReplayRefusedUsedOnce()
    {
        var nonce = Key("nonce-token-is-nonce");
        var request = new AdmissionRequest(nonce, TokenRecording.Issued, TimeSpan.FromMinutes(10), [], [])
        {
            Token = new TokenRecording(nonce, TimeSpan.FromMinutes(5), [Key("gen")]),
        };

        var recorded = await Store.AdmitAsync(request);
        var replayed = await Store.AdmitAsync(request);
        var used = await Store.AdmitAsync(Admission("token-is-nonce-use", [], []) with
        {
            Token = new TokenRecording(Key("token:is-nonce-user"), TimeSpan.FromMinutes(5), []) { ConsumeKey = nonce },
        });
        var usedAgain = await Store.AdmitAsync(Admission("token-is-nonce-again", [], []) with
        {
            Token = new TokenRecording(Key("token:is-nonce-again"), TimeSpan.FromMinutes(5), []) { ConsumeKey = nonce },
        });

        Assert.True(recorded.NonceFresh);
        Assert.Equal(TokenConsumption.NotAsked, recorded.Token!.Consumption);
        Assert.False(replayed.NonceFresh);
        Assert.Null(replayed.Token);
        Assert.Equal(TokenConsumption.Consumed, used.Token!.Consumption);
        Assert.Equal(TokenConsumption.AlreadyUsed, usedAgain.Token!.Consumption);
        Assert.Equal(TokenRecording.Used, await Store.GetAsync(nonce));
    }

    [Fact]
    public async Task ConsumeToken_TheRecordAnAdmissionAlsoConsumes_IsUsedOnceEitherWay()
    {
        // The token's record is its request's nonce, as the gateway makes it (held by digest in the embedded store).
        var nonce = Key("nonce-consumed-apart");
        Assert.NotNull((await Store.AdmitAsync(new AdmissionRequest(nonce, TokenRecording.Issued, TimeSpan.FromMinutes(10), [], [])
        {
            Token = new TokenRecording(nonce, TimeSpan.FromMinutes(5), []),
        })).Token);

        Assert.Equal(TokenConsumption.Consumed, await Store.ConsumeTokenAsync(nonce));
        Assert.Equal(TokenConsumption.AlreadyUsed, await Store.ConsumeTokenAsync(nonce));
        var presented = await Store.AdmitAsync(Admission("consume-after-apart", [], []) with
        {
            Token = new TokenRecording(Key("token:after-apart"), TimeSpan.FromMinutes(5), []) { ConsumeKey = nonce },
        });

        Assert.Equal(TokenConsumption.AlreadyUsed, presented.Token!.Consumption);
        Assert.Equal(TokenRecording.Used, await Store.GetAsync(nonce));
        Assert.Equal(TokenConsumption.NotRecorded, await Store.ConsumeTokenAsync(Key("token:never-apart")));
        Assert.Null(await Store.GetAsync(Key("token:never-apart")));
    }

    [Fact]
    public async Task Admit_TooManyGenerationKeys_Rejected()
    {
        var token = new TokenRecording(Key("token:many"), TimeSpan.FromMinutes(5), [.. Enumerable.Range(0, TokenRecording.MaxGenerationKeys + 1).Select(i => Key("gen-" + i))]);

        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.AdmitAsync(Admission("token-many", [], []) with { Token = token }));
    }

    [Fact]
    public Task Admit_TokenRecordAlreadyStored_KeepsItsValueAndExpiry() => AcrossShortExpiryAsync(
        before: async () =>
        {
            var record = Key("token:again");
            Assert.NotNull((await Store.AdmitAsync(Admission("token-again-first", [], []) with { Token = new TokenRecording(record, ShortExpiry, []) })).Token);
            Assert.Equal(TokenConsumption.Consumed, (await Store.AdmitAsync(Admission("token-again-use", [], []) with
            {
                Token = new TokenRecording(Key("token:again-user"), TimeSpan.FromMinutes(5), []) { ConsumeKey = record },
            })).Token!.Consumption);

            // Recorded again (SET NX): a used record is not made issued again, nor does it live longer.
            Assert.NotNull((await Store.AdmitAsync(Admission("token-again-second", [], []) with { Token = new TokenRecording(record, TimeSpan.FromMinutes(5), []) })).Token);
            Assert.Equal(TokenRecording.Used, await Store.GetAsync(record));
        },
        expired: async () => await Store.GetAsync(Key("token:again")) is null,
        after: () => Task.CompletedTask);

    [Fact]
    public async Task Admit_WithTokenAndReservedBudget_RecordsReadsAndUsesInTheSameStep()
    {
        var presented = Key("token:budget-presented");
        var generation = Key("token:budget-gen");
        await Store.IncrementAsync(generation, 7, expiry: null);
        Assert.NotNull((await Store.AdmitAsync(Admission("token-budget-seed", [], []) with { Token = new TokenRecording(presented, TimeSpan.FromMinutes(5), []) })).Token);

        var outcome = await Store.AdmitAsync(Admission("token-budget-reserved", [], [new RateLimitWindow(Key("token-budget-rl"), 5, LongWindow)]) with
        {
            Budget = new BudgetReservation(Key("token-budget-ok"), 60, 100, LongWindow),
            Token = new TokenRecording(Key("token:budget-recorded"), TimeSpan.FromMinutes(5), [generation, Key("token:budget-gen-absent")]) { ConsumeKey = presented },
        });

        Assert.True(outcome.Budget!.Value.Reserved);
        Assert.Equal([7L, 0L], outcome.Token!.Generations);
        Assert.Equal(TokenConsumption.Consumed, outcome.Token.Consumption);
        Assert.Equal([TokenRecording.Used, TokenRecording.Issued], await Store.GetManyAsync([presented, Key("token:budget-recorded")]));
    }

    [Fact]
    public async Task Admit_TokenLifetimeNotPositive_RejectedBeforeTheNonceIsSpent()
    {
        var request = Admission("token-no-lifetime", [], []) with { Token = new TokenRecording(Key("token:no-lifetime"), TimeSpan.Zero, []) };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.AdmitAsync(request));

        Assert.True(await Store.TrySetIfAbsentAsync(request.NonceKey, "0", TimeSpan.FromMinutes(1)));
        Assert.Null(await Store.GetAsync(Key("token:no-lifetime")));
    }
}
