namespace Gateway.Store.Tests;

/// <summary>The contract's conditional token consume: the record used up only while the keys read beside it are unchanged.</summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task ConsumeToken_AKeyChangedSinceItWasRead_UsesNothingUpUntilReadAgain()
    {
        string record = Key("token:conditional"), generation = Key("conditional-generation"), mark = Key("conditional-mark");
        Assert.NotNull((await Store.AdmitAsync(new AdmissionRequest(record, TokenRecording.Issued, TimeSpan.FromMinutes(10), [], [])
        {
            Token = new TokenRecording(record, TimeSpan.FromMinutes(5), []),
        })).Token);
        await Store.IncrementAsync(generation, 2, expiry: null);
        KeyValuePair<string, string?>[] read = [new(generation, "2"), new(mark, null)];

        await Store.IncrementAsync(generation, 1, expiry: null);
        Assert.Equal(TokenConsumption.Changed, await Store.ConsumeTokenAsync(record, read));
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(record));

        await Store.SetAsync(mark, "revoked", expiry: null);
        Assert.Equal(TokenConsumption.Changed, await Store.ConsumeTokenAsync(record, [new(generation, "3"), new(mark, null)]));
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(record));

        KeyValuePair<string, string?>[] again = [new(generation, "3"), new(mark, "revoked")];
        Assert.Equal(TokenConsumption.Consumed, await Store.ConsumeTokenAsync(record, again));
        Assert.Equal(TokenRecording.Used, await Store.GetAsync(record));
        Assert.Equal(TokenConsumption.AlreadyUsed, await Store.ConsumeTokenAsync(record, again));
        Assert.Equal(TokenConsumption.Changed, await Store.ConsumeTokenAsync(Key("token:never-conditional"), read));
    }
}
